"""Compute constructs."""
