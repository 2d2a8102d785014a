"""What the Langfuse containers need: images, ports and the environment contract."""
