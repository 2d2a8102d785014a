"""langfuse-aws: self-hosted Langfuse on AWS, secure and data-safe by default."""

from .compliance import add_compliance_checks
from .config import ConfigError, EnvironmentConfig, build_config, load_config, parse_config
from .feature_flags import FEATURE_FLAGS
from .stage import LangfuseEnvironment

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
