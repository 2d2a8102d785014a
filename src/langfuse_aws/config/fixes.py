"""Plain words for pydantic's type, range and length errors: what was given, what the setting
takes, and how to write it.

Pydantic says "Input should be a valid string"; a person editing YAML needs to hear that YAML
read their 16.10 as the number 16.1 and that quotes fix it. Each function here returns the
message printed after the setting's path, or None for an error it has no words for.
"""

from __future__ import annotations

from typing import Any

_WHOLE_NUMBER = "must be a whole number: write digits only, without quotes or units"
_NUMBER = "must be a number: write digits only, without quotes or units"
_BOOLEAN = "must be true or false"


def shown(value: Any) -> str:
    """A value as the message shows it: short, and ``empty`` for YAML's null."""
    if value is None:
        return "empty"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a block of settings"
    return "text"


def _text_expected(given: Any) -> str:
    if isinstance(given, bool):
        return (
            "YAML reads this as true or false, but the setting is text: write it in quotes "
            "exactly as you mean it (unquoted, yes, no, on and off read as true or false)"
        )
    if isinstance(given, int | float):
        return (
            "YAML reads this as a number, but the setting is text: write it in quotes exactly "
            "as you mean it (unquoted, 19:00 reads as 1140 and 17.10 as 17.1)"
        )
    return f"the setting is one text value, not {_kind_of(given)}: write a single value"


def _list_expected(given: Any) -> str:
    if isinstance(given, dict):
        return "must be a list, not a block of settings: write one '- item' line per entry"
    if given is None:
        return "must be a list: write [] for none, or one '- item' line per entry"
    return f"must be a list: write [{given}], or one '- item' line per entry"


def _block_expected(given: Any) -> str:
    if given is None:
        return "has no settings: indent its settings (key: value) under it, or remove the line"
    return (
        f"is {_kind_of(given)}, but must be a block of settings: write key: value lines "
        "indented under it"
    )


def _count(number: int) -> str:
    return f"{number} {'entry' if number == 1 else 'entries'}"


def value_fix(kind: str, given: Any, context: dict[str, Any]) -> str | None:
    """The message for pydantic error ``kind`` on value ``given``, or None to keep pydantic's."""
    value = f"is {shown(given)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {
            "greater_than_equal": f"of at least {context.get('ge')}",
            "greater_than": f"above {context.get('gt')}",
            "less_than_equal": f"of at most {context.get('le')}",
            "less_than": f"below {context.get('lt')}",
        }[kind]
        return f"{value}: use a number {bound}"
    if kind == "too_short":
        return (
            f"has {_count(int(context.get('actual_length', 0)))}: list at least "
            f"{context.get('min_length')}"
        )
    if kind == "too_long":
        return (
            f"has {_count(int(context.get('actual_length', 0)))}: list at most "
            f"{context.get('max_length')}"
        )
    if kind == "string_too_short":
        return f"{value}: write at least {context.get('min_length')} character(s)"
    if kind == "string_too_long":
        return f"is longer than {context.get('max_length')} characters: shorten it"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{value}: {_WHOLE_NUMBER}"
    if kind in ("float_parsing", "float_type"):
        return f"{value}: {_NUMBER}"
    if kind in ("bool_parsing", "bool_type"):
        return f"{value}: {_BOOLEAN}"
    if kind == "string_type":
        return f"{value}: {_text_expected(given)}"
    if kind == "list_type":
        return f"{value}: {_list_expected(given)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _block_expected(given)
    return None
