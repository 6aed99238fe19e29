"""The Textual workbench: the App, its screens and the bridge from session events to Messages."""
