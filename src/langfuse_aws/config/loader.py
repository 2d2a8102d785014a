"""Read an environment YAML file into a validated ``EnvironmentConfig``.

Every failure, from a missing file to a cross-field rule, becomes one ``ConfigError`` whose
lines name the file, the field and the fix. Nothing else escapes this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import ConfigError, ConfigIssue, format_path, format_segment
from .fixes import value_fix
from .forms import expected_form
from .models import ClickHouseFargateConfig, CloudFrontEdgeConfig, EnvironmentConfig
from .rules import check_rules
from .types import CONFIG_RULE_ERROR

CONFIG_DIR = Path(__file__).resolve().parents[3] / "config"


def config_path_for(env_name: str, config_dir: Path = CONFIG_DIR) -> Path:
    """The YAML file of environment ``env_name`` (``config/<name>.yaml``)."""
    return config_dir / f"{env_name}.yaml"


def load_config(path: Path | str) -> EnvironmentConfig:
    """Load and validate one environment file; raise ``ConfigError`` on any problem."""
    path = Path(path)
    source = _display_name(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = (
            sorted(p.stem for p in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
        )
        hint = f" (environments here: {', '.join(existing)})" if existing else ""
        raise ConfigError(
            source, [ConfigIssue("", f"file not found: create it or pick another env{hint}")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [ConfigIssue("", f"cannot be read: {exc}")]) from None
    return resolve_files(parse_config(text, source), path.parent, source)


def resolve_files(cfg: EnvironmentConfig, base: Path, source: str) -> EnvironmentConfig:
    """Make file paths in the config absolute (relative to the config file) and check them."""
    cognito = cfg.auth.cognito
    if cognito is None or not any(s.metadata_file for s in cognito.saml):
        return cfg
    resolved, issues = [], []
    for index, saml in enumerate(cognito.saml):
        if saml.metadata_file:
            file = (base / saml.metadata_file).resolve()
            if not file.is_file():
                issues.append(
                    ConfigIssue(
                        f"auth.cognito.saml.{index}.metadata_file",
                        f"'{saml.metadata_file}' does not exist (paths are relative to the config "
                        "file): download the IdP's SAML metadata there or use metadata_url",
                    )
                )
            saml = saml.model_copy(update={"metadata_file": str(file)})
        resolved.append(saml)
    if issues:
        raise ConfigError(source, issues)
    auth = cfg.auth.model_copy(update={"cognito": cognito.model_copy(update={"saml": resolved})})
    return cfg.model_copy(update={"auth": auth})


def parse_config(text: str, source: str = "<config>") -> EnvironmentConfig:
    """Validate YAML text; ``source`` names it in error messages."""
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)
    except DuplicateKeyError as exc:
        raise ConfigError(source, [ConfigIssue("", str(exc))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            source, [ConfigIssue("", f"is not valid YAML: {where}{problem}")]
        ) from None
    except RecursionError:
        raise ConfigError(
            source, [ConfigIssue("", "is nested too deeply to be a config")]
        ) from None
    if document is None:
        raise ConfigError(
            source, [ConfigIssue("", "is empty: it needs at least `name:` and `region:`")]
        )
    if not isinstance(document, dict):
        raise ConfigError(
            source,
            [ConfigIssue("", f"must be a mapping of settings, not a {type(document).__name__}")],
        )
    return build_config(document, source)


def build_config(document: dict[str, Any], source: str = "<config>") -> EnvironmentConfig:
    """Validate an already-parsed mapping (the entry point for Python callers)."""
    literal_secrets = list(_literal_secrets(document)) + list(
        _credentials_in_reference_fields(document)
    )
    if literal_secrets:
        raise ConfigError(source, literal_secrets)
    try:
        cfg = EnvironmentConfig.model_validate(document)
    except ValidationError as exc:
        raise ConfigError(
            source, [_issue_from_pydantic(err, document) for err in exc.errors()]
        ) from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise ConfigError(source, [ConfigIssue("", f"cannot be read as settings: {exc}")]) from None
    issues = check_rules(cfg)
    if issues:
        raise ConfigError(source, issues)
    return cfg


class DuplicateKeyError(yaml.YAMLError):
    """A mapping names the same key twice; YAML would silently keep only the last value."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, refusing duplicate keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, str | int | float | bool) and key in first_line:
                raise DuplicateKeyError(
                    f"names the key '{_short_text(str(key))}' twice (lines {first_line[key]} and "
                    f"{line}), and YAML would silently keep only the last: remove one"
                )
            if isinstance(key, str | int | float | bool):
                first_line[key] = line
        return super().construct_mapping(node, deep=deep)


def _short_text(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


# Values that are credentials rather than the name of a secret: long mixed-case tokens with
# digits and no path separator, long hex strings, and the prefixes of well-known issuers.
CREDENTIAL_PREFIXES = ("GOCSPX-", "ghp_", "gho_", "github_pat_", "glpat-", "sk-", "xoxb-")
HEX_TOKEN = re.compile(r"^[0-9a-fA-F]{32,}$")


def _looks_like_a_credential(value: str) -> bool:
    if value.startswith("arn:") or "/" in value:
        return False
    if value.startswith(CREDENTIAL_PREFIXES) or HEX_TOKEN.match(value):
        return True
    mixed = all(re.search(p, value) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return len(value) >= 24 and mixed and not re.search(r"[-_.]", value)


def _credentials_in_reference_fields(node: Any, path: str = "") -> Iterator[ConfigIssue]:
    """A secret pasted where the name of a secret belongs (it would land in the template)."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{format_segment(key)}" if path else format_segment(key)
            if (
                isinstance(key, str)
                and key.endswith("_secret")
                and isinstance(value, str)
                and _looks_like_a_credential(value)
            ):
                yield ConfigIssue(
                    here,
                    "looks like the secret itself, not the name of a secret: store it in "
                    "Secrets Manager and put the secret's name or ARN here",
                )
            else:
                yield from _credentials_in_reference_fields(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _credentials_in_reference_fields(item, f"{path}.{index}")


LITERAL_SECRET_KEYS = ("client_secret", "password", "secret", "token", "api_key", "private_key")


def _literal_secrets(node: Any, path: str = "") -> Iterator[ConfigIssue]:
    """Secret values written into the YAML: they would end up in templates and git history."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{format_segment(key)}" if path else format_segment(key)
            if isinstance(key, str) and key in LITERAL_SECRET_KEYS:
                yield ConfigIssue(
                    here,
                    "must not hold a secret in the YAML: store it in Secrets Manager and set "
                    f"{here}_secret to the secret's name or ARN instead",
                )
            else:
                yield from _literal_secrets(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _literal_secrets(item, f"{path}.{index}")


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# Where a block is a tagged union, the tag its mode takes when the YAML leaves the key out.
DEFAULT_TAGS = {
    model.model_fields["mode"].default for model in (ClickHouseFargateConfig, CloudFrontEdgeConfig)
}


def _settings_path(loc: tuple[Any, ...], document: Any) -> tuple[list[Any], str | None]:
    """The YAML path of a pydantic error location, and the tagged union it is a setting of.

    Pydantic names the chosen member of a tagged union in the location (``clickhouse.external
    .url``); the YAML has no such level (``clickhouse.url``), so that segment is dropped. When
    the error is about a setting of that member itself, ``"<block>.<key> is <tag>"`` is
    returned for the message.
    """
    parts: list[Any] = []
    tag: str | None = None
    node = document
    for index, segment in enumerate(loc):
        if isinstance(node, dict) and isinstance(segment, str) and segment not in node:
            key = next((k for k in ("mode", "type") if node.get(k) == segment), None)
            if key is None and "mode" not in node and segment in DEFAULT_TAGS:
                key = "mode"
            if key is not None:
                if index == len(loc) - 2:
                    tag = f"{format_path([*parts, key])} is {segment}"
                continue
        parts.append(segment)
        if isinstance(node, dict):
            node = node.get(segment)
        elif isinstance(node, list) and isinstance(segment, int) and segment < len(node):
            node = node[segment]
        else:
            node = None
    return parts, tag


def _choices(quoted: str) -> str:
    """``'a', 'b', 'c'`` as ``'a', 'b' or 'c'``, the way literal errors list choices."""
    head, _, last = quoted.rpartition(", ")
    return f"{head} or {last}" if head else last


def _issue_from_pydantic(error: Any, document: Any) -> ConfigIssue:
    parts, tag = _settings_path(tuple(error["loc"]), document)
    path = format_path(parts)
    kind = error["type"]
    given = error.get("input")
    context = error.get("ctx", {})
    if kind == CONFIG_RULE_ERROR:
        field = context.get("field")
        return ConfigIssue(format_path([*parts, field]) if field else path, str(error["msg"]))
    if kind == "missing":
        when = f" when {tag}" if tag else ""
        return ConfigIssue(path, f"is required{when}: add it (see config/example.yaml)")
    if kind == "extra_forbidden":
        if tag:
            return ConfigIssue(
                path,
                f"is not a setting when {tag}: remove it, or check its spelling (schema: make "
                "schema)",
            )
        return ConfigIssue(
            path, "is not a known setting: check its spelling and indentation (schema: make schema)"
        )
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        key = str(context.get("discriminator", "type")).strip("'")
        where = format_path([*parts, key])
        if kind == "union_tag_not_found":
            return ConfigIssue(where, "is required: add it (see make schema for the choices)")
        expected = _choices(str(context.get("expected_tags", "")))
        return ConfigIssue(where, f"is {context.get('tag')!r}: use one of {expected}")
    if kind == "literal_error":
        return ConfigIssue(path, f"is {given!r}: use one of {context.get('expected', '')}")
    if kind == "string_pattern_mismatch":
        form = expected_form(path, context.get("pattern"))
        return ConfigIssue(path, f"is {_short(given)}, which is not in the expected form: {form}")
    message = value_fix(kind, given, context)
    if message is not None:
        return ConfigIssue(path, message)
    message = str(error["msg"]).removeprefix("Value error, ")
    return ConfigIssue(path, f"is {_short(given)}: {message}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
