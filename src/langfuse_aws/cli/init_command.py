"""``langfuse-aws init``: asks the few questions that matter (or reads them from flags with
``--no-input``) and writes a validated environment YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeVar

import typer

from ..config import ConfigError, parse_config
from .common import console, fail
from .init import LOGINS, PROTECTIONS, SIZES, Admin, Answers, Domain, Idp, Login, Size, render

T = TypeVar("T", bound=str)


def _choice(value: str, allowed: tuple[T, ...], option: str) -> T:
    for choice in allowed:
        if value == choice:
            return choice
    fail(f"{option} {value!r} is not one of {', '.join(allowed)}: pass one of them.")


def _need(value: str | None, option: str, why: str, interactive: bool, prompt: str) -> str:
    """``value``, asked for when interactive, else refused with the option to pass."""
    if value:
        return value
    if interactive:
        return str(typer.prompt(prompt))
    fail(f"{option} is required {why}: pass {option} VALUE (or run without --no-input).")


def init(
    name: Annotated[str | None, typer.Option(help="Environment name (lower case, 2-21).")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region, e.g. eu-west-1.")] = None,
    domain: Annotated[
        str | None,
        typer.Option(
            help="Your own host name, e.g. langfuse.example.com. Default: none "
            "(CloudFront's https://dxxxx.cloudfront.net)."
        ),
    ] = None,
    zone_id: Annotated[
        str | None, typer.Option(help="Route 53 hosted zone id of --domain.")
    ] = None,
    zone_name: Annotated[
        str | None, typer.Option(help="That zone's domain, e.g. example.com.")
    ] = None,
    login: Annotated[str | None, typer.Option(help="cognito, idp or password.")] = None,
    idp_name: Annotated[
        str | None, typer.Option(help="With idp: the sign-in button's label.")
    ] = None,
    idp_issuer: Annotated[str | None, typer.Option(help="With idp: the OIDC issuer URL.")] = None,
    idp_client_id: Annotated[str | None, typer.Option(help="With idp: the client id.")] = None,
    idp_secret: Annotated[
        str | None, typer.Option(help="With idp: Secrets Manager secret holding the client secret.")
    ] = None,
    admin_email: Annotated[
        str | None, typer.Option(help="With password: the first user's e-mail.")
    ] = None,
    admin_password_secret: Annotated[
        str | None, typer.Option(help="With password: Secrets Manager secret of its password.")
    ] = None,
    data_protection: Annotated[
        str | None,
        typer.Option(help="retain (data survives stack deletion) or disposable (throwaway)."),
    ] = None,
    size: Annotated[str | None, typer.Option(help="small, medium or large.")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write. Default config/NAME.yaml."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Ask nothing: take every answer from the flags.")
    ] = False,
) -> None:
    """Write a new environment YAML from a few answers (name, region, own domain or not, login,
    data protection, size), validated before it is written."""
    ask = not no_input

    def pick(value: str | None, option: str, prompt: str, default: str) -> str:
        if value is not None:
            return value
        return str(typer.prompt(prompt, default=default)) if ask else default

    env_name = _need(name, "--name", "(the environment's name)", ask, "Environment name")
    env_region = pick(region, "--region", "AWS region", "eu-west-1")
    own_domain = None
    if domain is None and ask and typer.confirm("Use your own domain (Route 53)?", default=False):
        domain = str(typer.prompt("Host name, e.g. langfuse.example.com"))
    if domain:
        why = "with --domain"
        own_domain = Domain(
            domain,
            _need(zone_id, "--zone-id", why, ask, "Route 53 hosted zone id"),
            _need(zone_name, "--zone-name", why, ask, "Hosted zone domain"),
        )
    how: Login = _choice(
        pick(login, "--login", "Login: cognito, idp or password", "cognito"), LOGINS, "--login"
    )
    idp = admin = None
    if how == "idp":
        why = "with --login idp"
        idp = Idp(
            _need(idp_name, "--idp-name", why, ask, "Sign-in button label"),
            _need(idp_issuer, "--idp-issuer", why, ask, "OIDC issuer URL"),
            _need(idp_client_id, "--idp-client-id", why, ask, "Client id"),
            _need(
                idp_secret, "--idp-secret", why, ask, "Secrets Manager secret of the client secret"
            ),
        )
    if how == "password":
        why = "with --login password (sign-up is closed: the first user is created at start)"
        admin = Admin(
            _need(admin_email, "--admin-email", why, ask, "First user's e-mail"),
            _need(
                admin_password_secret,
                "--admin-password-secret",
                why,
                ask,
                "Secrets Manager secret of its password",
            ),
        )
    protection = _choice(
        pick(
            data_protection, "--data-protection", "Data protection: retain or disposable", "retain"
        ),
        PROTECTIONS,
        "--data-protection",
    )
    sized: Size = _choice(
        pick(size, "--size", "Size: small, medium or large", "small"), SIZES, "--size"
    )
    answers = Answers(env_name, env_region, protection, sized, how, own_domain, idp, admin)
    path = output or Path("config") / f"{env_name}.yaml"
    if path.exists() and not force:
        fail(f"{path} exists: choose another --name or --output, or pass --force to replace it.")
    text = render(answers)
    try:
        parse_config(text, str(path))
    except ConfigError as error:
        first = str(error).splitlines()[0]
        fail(f"{first} (change that answer and run init again)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    console.print(
        f"Wrote {path}. Next: langfuse-aws doctor {path} (preflight), then "
        f"langfuse-aws deploy {path}.",
        markup=False,
    )
