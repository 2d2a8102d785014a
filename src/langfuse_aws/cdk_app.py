"""The CDK app of one environment, built from the installed package.

The CDK CLI runs it as its ``--app`` (``python -m langfuse_aws.cdk_app``); the checkout's
``app.py`` is a thin wrapper of it, so ``cdk`` users, ``make synth`` and ``langfuse-aws``
synthesize the same app. This is the only place that reads CDK context:

    -c env=prod                   # config/prod.yaml below the current directory
    -c config=my.yaml             # any file
    -c env=prod -c validate=true  # with cdk-nag, Control Tower rules, CloudFormation
                                  # validation (compliance/validators.py)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import App

from .compliance.validators import VALIDATE_CONTEXT, ValidateContextError, requested_validators
from .config import ConfigError, load_config
from .feature_flags import FEATURE_FLAGS

DEFAULT_ENV = "example"


@dataclass(frozen=True)
class AppContext:
    """What the CDK context asks for: which config file, and which validators."""

    config_path: Path
    validators: tuple[str, ...]


def read_context(app: App) -> AppContext:
    """The config file (``config`` as given, else ``config/<env>.yaml`` below the current
    directory, where the CDK CLI runs) and the validators ``validate`` asks for; raises
    ``ValidateContextError`` on an unknown validator."""
    explicit = app.node.try_get_context("config")
    env = app.node.try_get_context("env") or DEFAULT_ENV
    path = Path(explicit) if explicit else Path("config") / f"{env}.yaml"
    return AppContext(path, requested_validators(app.node.try_get_context(VALIDATE_CONTEXT)))


def main() -> int:
    """Synthesize the chosen environment; exit 1 with a clear message on a bad config."""
    from . import LangfuseEnvironment, add_compliance_checks

    # The built-in CloudFormation validation runs only when the validators are asked for
    # (add_compliance_checks registers it with the others).
    app = App(context=FEATURE_FLAGS, builtin_cloud_formation_validation=False)
    try:
        context = read_context(app)
        config = load_config(context.config_path)
    except ValidateContextError as error:
        print(f"Invalid context: {error}", file=sys.stderr)
        return 1
    except ConfigError as error:
        print(f"Invalid configuration:\n{error}", file=sys.stderr)
        return 1
    LangfuseEnvironment(app, config)
    if context.validators:
        add_compliance_checks(app, context.validators)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
