"""Builders of the main stack: each translates a part of the config into construct props and
creates the constructs directly under the stack, where they keep their logical ids.

The stack (``stacks/langfuse_stack.py``) calls them in deployment-diagram order: network and
data stores, ClickHouse, the edge, login, Langfuse web and worker, operations.
"""
