"""Data constructs."""
