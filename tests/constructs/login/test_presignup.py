"""The pre-sign-up trigger's allow/deny behaviour, as plain Python."""

from __future__ import annotations

from typing import Any

import pytest

from langfuse_aws.constructs.login.presignup.handler import (
    SignUpRefusedError,
    allowed_domains,
    check_sign_up,
    email_domain,
    handler,
)

DOMAINS = allowed_domains(" Example.com, corp.example.org ,")


def event(email: str, source: str = "PreSignUp_SignUp") -> dict[str, Any]:
    return {
        "triggerSource": source,
        "request": {"userAttributes": {"email": email}},
        "response": {},
    }


@pytest.mark.parametrize("email", ["ana@example.com", "Bo@EXAMPLE.COM", "c@corp.example.org"])
def test_allowed_domains_may_sign_up(email: str) -> None:
    assert check_sign_up(event(email), DOMAINS) == event(email)


@pytest.mark.parametrize(
    "email",
    [
        "eve@evil.com",
        "eve@example.com.evil.com",
        "eve@sub.example.com",
        "eve@notexample.com",
        "example.com",
        "@example.com",
        "eve@",
        "a@b@example.com",
        "",
    ],
)
def test_other_addresses_are_refused(email: str) -> None:
    with pytest.raises(SignUpRefusedError):
        check_sign_up(event(email), DOMAINS)


def test_admin_created_and_federated_users_are_not_checked() -> None:
    for source in ("PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"):
        assert check_sign_up(event("x@evil.com", source), DOMAINS)["triggerSource"] == source


def test_empty_list_refuses_everyone() -> None:
    with pytest.raises(SignUpRefusedError):
        check_sign_up(event("ana@example.com"), allowed_domains(""))


def test_handler_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", "example.com")
    assert handler(event("ana@example.com"), None)["triggerSource"] == "PreSignUp_SignUp"
    with pytest.raises(SignUpRefusedError):
        handler(event("eve@evil.com"), None)


def test_parsing() -> None:
    assert {"example.com", "corp.example.org"} == DOMAINS
    assert email_domain("A@Example.COM.") == "example.com"
    assert email_domain("no-at-sign") is None
