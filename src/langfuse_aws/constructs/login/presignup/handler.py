"""Cognito pre-sign-up trigger: only emails of the allowed domains may create an account.

Runs in Lambda with no dependencies. ALLOWED_EMAIL_DOMAINS is a comma-separated list of
lower-case domains; a sub-domain of an allowed domain is not allowed unless listed itself.
Admin-created users (AdminCreateUser) and federated sign-ins are not checked here: admins
and corporate identity providers already decide who they are.
"""

from __future__ import annotations

import os
from typing import Any

SELF_SIGN_UP = "PreSignUp_SignUp"


class SignUpRefusedError(Exception):
    """Raised to make Cognito refuse the sign-up; the message is shown to the user."""


def allowed_domains(raw: str | None) -> frozenset[str]:
    """Parse the comma-separated domain list (whitespace and case ignored)."""
    return frozenset(d.strip().lower() for d in (raw or "").split(",") if d.strip())


def email_domain(email: str) -> str | None:
    """Domain part of a plausible email address, lower-cased; None when malformed."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain or "@" in local or "." not in domain:
        return None
    return domain.lower().rstrip(".")


def check_sign_up(event: dict[str, Any], domains: frozenset[str]) -> dict[str, Any]:
    """Return the event unchanged when the sign-up may proceed; raise SignUpRefusedError if not."""
    if event.get("triggerSource") != SELF_SIGN_UP:
        return event
    email = str(event.get("request", {}).get("userAttributes", {}).get("email", ""))
    domain = email_domain(email)
    if domain is None or domain not in domains:
        raise SignUpRefusedError("Sign-up is limited to approved email domains.")
    return event


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Lambda entry point."""
    return check_sign_up(event, allowed_domains(os.environ.get("ALLOWED_EMAIL_DOMAINS")))
