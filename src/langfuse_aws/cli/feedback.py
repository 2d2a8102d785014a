"""What the operator sees while a step runs: a spinner on stderr for anything slow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

progress = Console(stderr=True)


@contextmanager
def step(message: str) -> Iterator[None]:
    """Show ``message`` with a spinner while the block runs (only on a terminal)."""
    with progress.status(message, spinner="dots"):
        yield
