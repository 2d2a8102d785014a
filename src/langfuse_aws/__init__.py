"""langfuse-aws: self-hosted Langfuse on AWS, secure and data-safe by default.

The CDK parts (``LangfuseEnvironment``, ``add_compliance_checks``) load on first use, so that
the config model and the ``langfuse-aws`` command line start without the jsii runtime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ConfigError, EnvironmentConfig, build_config, load_config, parse_config
from .feature_flags import FEATURE_FLAGS

if TYPE_CHECKING:
    from .compliance import add_compliance_checks
    from .environment import LangfuseEnvironment

__all__ = [
    "FEATURE_FLAGS",
    "ConfigError",
    "EnvironmentConfig",
    "LangfuseEnvironment",
    "add_compliance_checks",
    "build_config",
    "load_config",
    "parse_config",
]


def __getattr__(name: str) -> Any:
    if name == "LangfuseEnvironment":
        from .environment import LangfuseEnvironment

        return LangfuseEnvironment
    if name == "add_compliance_checks":
        from .compliance import add_compliance_checks

        return add_compliance_checks
    raise AttributeError(name)
