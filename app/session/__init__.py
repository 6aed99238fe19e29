"""The session: its controller (the one writer), store, review and drivers."""
