"""The bundled demo: the scripted model server, its script and the sample repository."""
