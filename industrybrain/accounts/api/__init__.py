"""The accounts REST API: the current user and the change log."""
