"""Deployment units: they compose constructs and hold no resource logic."""
