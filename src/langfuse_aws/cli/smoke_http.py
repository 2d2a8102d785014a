"""HTTP for ``langfuse-aws smoke``: one client with cookies, a timeout and the operator's CA
bundle, and the TLS context it verifies with.

A CA bundle that cannot be read is bad input, not a failed check: it is refused with one line
that names the option, the file, the problem and the fix, before anything is requested.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import HTTPCookieProcessor, HTTPSHandler, Request, build_opener


class SmokeInputError(ValueError):
    """An option of ``smoke`` cannot be used; the message names it, the problem and the fix."""


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Verification with the system's trust store, or only with the PEM bundle ``ca_file``."""
    if ca_file is None:
        return ssl.create_default_context()
    fix = (
        "give the path of a PEM file with your private CA's certificate (e.g. --ca-file "
        "./corporate-ca.pem), or leave --ca-file out to trust the system's CAs."
    )
    path = Path(ca_file)
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "does not exist"
        raise SmokeInputError(f"--ca-file {ca_file}: the file {problem}; {fix}")
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (ssl.SSLError, OSError) as error:
        reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
        raise SmokeInputError(
            f"--ca-file {ca_file}: not a readable PEM certificate bundle ({reason}); {fix}"
        ) from error


@dataclass
class HttpClient:
    """HTTP with cookies (the sign-in flow needs NextAuth's CSRF cookie) and a timeout.

    A non-2xx answer is returned like any other (status, body); only a connection that fails
    raises (``URLError`` / ``OSError``)."""

    timeout: float
    context: ssl.SSLContext
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self) -> None:
        self.opener = build_opener(
            HTTPCookieProcessor(self.jar), HTTPSHandler(context=self.context)
        )

    def request(
        self,
        url: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """(status, body) of a GET, or of a POST when ``data`` is given."""
        try:
            with self.opener.open(
                Request(url, data=data, headers=headers or {}), timeout=self.timeout
            ) as response:
                return response.status, response.read()
        except HTTPError as error:
            return error.code, error.read()


def json_body(body: bytes) -> Any:
    """The decoded JSON of ``body``, or None when it is not JSON (an HTML error page)."""
    try:
        return json.loads(body)
    except ValueError:
        return None


def excerpt(body: bytes, limit: int = 160) -> str:
    """The start of ``body`` on one line, for a check's detail."""
    return " ".join(body[:limit].decode(errors="replace").split())
