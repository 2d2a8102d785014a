"""Login constructs."""
