"""Typed, validated environment configuration."""

from .errors import ConfigError, ConfigIssue
from .loader import CONFIG_DIR, build_config, config_path_for, load_config, parse_config
from .models import EnvironmentConfig

__all__ = [
    "CONFIG_DIR",
    "ConfigError",
    "ConfigIssue",
    "EnvironmentConfig",
    "build_config",
    "config_path_for",
    "load_config",
    "parse_config",
]
