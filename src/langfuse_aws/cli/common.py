"""What every subcommand shares: its arguments, its console and how it fails (one message, exit
1, never a stack trace)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from ..restore_drill import DrillError
from .aws import aws_advice, aws_errors
from .cdk_cli import CdkCliError
from .target import TargetError

console = Console()
errors = Console(stderr=True)

EnvArgument = Annotated[
    str,
    typer.Argument(
        help="An environment name (config/NAME.yaml or NAME.yaml in the current directory) or "
        "a config file path."
    ),
]
StateDirOption = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="Where each environment keeps its last assembly and deploy record, in a folder "
        "named after the environment. Default: .langfuse-aws/ beside the config file.",
    ),
]


def fail(message: str) -> NoReturn:
    """Print ``message`` to stderr and exit 1."""
    errors.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Bad input, tools that cannot run and AWS refusals end the command with their message
    and exit 1, never a stack trace."""
    try:
        yield
    except (TargetError, CdkCliError, DrillError, ValueError, OSError) as error:
        fail(str(error))
    except aws_errors() as error:
        fail(aws_advice(error))
