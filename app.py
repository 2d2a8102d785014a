#!/usr/bin/env python3
"""CDK entry point: the only place that reads CDK context.

npx cdk synth -c env=prod        # config/prod.yaml
npx cdk synth -c config=my.yaml  # any file
"""

from __future__ import annotations

import sys
from pathlib import Path

from aws_cdk import App

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from langfuse_aws import ConfigError, LangfuseEnvironment, add_compliance_checks, load_config
from langfuse_aws.config import config_path_for
from langfuse_aws.feature_flags import FEATURE_FLAGS

DEFAULT_ENV = "example"


def main() -> int:
    """Synthesize the chosen environment; exit 1 with a clear message on a bad config."""
    app = App(context=FEATURE_FLAGS)
    explicit = app.node.try_get_context("config")
    path = (
        Path(explicit)
        if explicit
        else config_path_for(app.node.try_get_context("env") or DEFAULT_ENV)
    )
    try:
        config = load_config(path)
    except ConfigError as error:
        print(f"Invalid configuration:\n{error}", file=sys.stderr)
        return 1
    LangfuseEnvironment(app, config)
    add_compliance_checks(app)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
