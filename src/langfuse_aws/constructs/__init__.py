"""One logical unit of the deployment per module."""
