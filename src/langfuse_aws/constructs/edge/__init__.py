"""Edge constructs."""
