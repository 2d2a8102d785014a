"""``langfuse-aws``: the operator's command line. Every subcommand takes an environment name
(config/NAME.yaml or NAME.yaml in the current directory) or the path of a config file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..config.models import LangfuseConfig
from . import clickhouse_cost, cost_report, lifecycle
from . import cost as cost_module
from . import diagram as diagram_module
from . import doctor as doctor_module
from . import smoke as smoke_module
from . import status as status_module
from .aws import boto3_clients
from .common import EnvArgument, StateDirOption, console, fail, reported_errors
from .init_command import init
from .smoke_ingestion import ingestion_path
from .target import Target, fresh_or_synthesized, load_target, read_assembly

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


@app.callback()
def _commands() -> None:
    """init writes an environment; synth, check, plan, deploy; doctor before, smoke after;
    cost, a diagram and status from the real config."""


app.command()(init)
lifecycle.register(app)

AssemblyOption = Annotated[
    Path | None,
    typer.Option(
        "--assembly",
        help="Read an already synthesized cloud assembly (e.g. cdk.out) instead of the "
        "environment's last one or a new synth.",
    ),
]


def synthesized(env: str, assembly: Path | None, state_dir: Path | None = None) -> Target:
    """The target with its stacks: from ``assembly``, else the environment's last assembly
    while it is fresh, else synthesized now."""
    target = load_target(env)
    return read_assembly(target, assembly) if assembly else fresh_or_synthesized(target, state_dir)


def print_checks(title: str, checks: list[doctor_module.Check]) -> None:
    """Pass/fail per check, with what was found and the fix."""
    table = Table(title=title)
    for column in ("", "Check", "Found", "Fix"):
        table.add_column(column)
    for check in checks:
        table.add_row(
            ("[yellow]WARN[/yellow]" if check.warning else "[green]pass[/green]")
            if check.ok
            else "[red]FAIL[/red]",
            check.name,
            check.detail,
            check.fix,
        )
    console.print(table)


@app.command()
def cost(
    env: EnvArgument,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare", help="Another environment or config shown side by side (repeatable)."
        ),
    ] = None,
    assembly: Annotated[
        list[Path] | None,
        typer.Option(
            "--assembly",
            help="Already synthesized cloud assemblies, one per environment in the order given "
            "(ENV first, then each --compare), instead of their last assemblies or a new synth.",
        ),
    ] = None,
    state_dir: StateDirOption = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print Markdown (as in the README).")
    ] = False,
    clickhouse_modes: Annotated[
        bool,
        typer.Option(
            "--clickhouse-modes",
            help="Instead: price ClickHouse as fargate + EFS, ec2 + EBS and external at the "
            "configured size for an assumed month of ingestion (no synth).",
        ),
    ] = False,
    ingest_gib: Annotated[
        float,
        typer.Option(
            "--ingest-gib",
            min=0,
            help="With --clickhouse-modes: GiB of new (uncompressed) ClickHouse data a month.",
        ),
    ] = clickhouse_cost.DEFAULT_INGEST_GIB,
) -> None:
    """Monthly estimate from the synthesized templates: every always-on resource at its size,
    from the shipped price table (its date is printed); traffic-driven charges as unit prices."""
    names = [env, *(compare or [])]
    if clickhouse_modes:
        with reported_errors():
            comparisons = [
                clickhouse_cost.compare(t.config, ingest_gib, where=str(t.path))
                for t in (load_target(name) for name in names)
            ]
        for comparison in comparisons:
            if markdown:
                print(cost_report.clickhouse_markdown(comparison), end="")
            else:
                console.print(cost_report.clickhouse_report(comparison))
        return
    assemblies: list[Path | None] = list(assembly or [])
    if assemblies and len(assemblies) != len(names):
        fail(f"--assembly was given {len(assemblies)} times for {len(names)} environments.")
    with reported_errors():
        loaded = [load_target(name) for name in names]
        for target in loaded:  # before any synth: an unpriced region is refused at once
            cost_module.check_priced(target.config.region, where=str(target.path))
        targets = [
            read_assembly(t, assembly[i]) if assembly else fresh_or_synthesized(t, state_dir)
            for i, t in enumerate(loaded)
        ]
        estimates = [cost_module.estimate(t) for t in targets]
    if markdown:
        print(cost_report.markdown(estimates), end="")
        return
    console.print(cost_report.table(estimates))
    console.print(cost_report.usage_table(estimates[0]))


@app.command()
def diagram(
    env: EnvArgument, assembly: AssemblyOption = None, state_dir: StateDirOption = None
) -> None:
    """The synthesized environment's architecture (stacks, edge, services, stores, sign-in) as
    a Mermaid diagram in Markdown, which GitHub renders."""
    with reported_errors():
        target = synthesized(env, assembly, state_dir)
    print(diagram_module.mermaid(target), end="")


@app.command()
def status(env: EnvArgument) -> None:
    """Stack states, ECS services running vs desired, the Langfuse URL and the login URL
    (needs credentials). Exits 1 unless everything is deployed and running."""
    with reported_errors():
        target = load_target(env)
        found = status_module.read_status(target.config, boto3_clients())
    stacks = Table(title=f"{target.config.name}: stacks")
    for column in ("Stack", "Region", "State"):
        stacks.add_column(column)
    for row in found.stacks:
        stacks.add_row(*row)
    console.print(stacks)
    if found.services:
        services = Table(title="ECS services")
        for column in ("Service", "Running", "Desired", "Pending", "Rollout"):
            services.add_column(column)
        for s in found.services:
            services.add_row(s.name, str(s.running), str(s.desired), str(s.pending), s.rollout)
        console.print(services)
    console.print(f"URL: {found.url or '-'}", markup=False)
    console.print(f"Login: {found.login_url or '-'}", markup=False)
    if not found.healthy:
        raise typer.Exit(1)


@app.command()
def doctor(env: EnvArgument) -> None:
    """Preflight with your credentials: account, region, CDK bootstrap in every region the
    environment needs, hosted zone, Cognito domain, quotas (VPCs, Elastic IPs, NAT gateways)
    and the secrets the YAML names. Prints pass or fail and the fix; exits 1 on a failure."""
    with reported_errors():
        target = load_target(env)
        checks = doctor_module.run_doctor(target.config, boto3_clients(), env)
    print_checks(f"{target.config.name}: preflight", checks)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@app.command()
def smoke(
    target: Annotated[
        str,
        typer.Argument(
            help="The Langfuse URL, or an environment name / config path (reads its stack "
            "outputs with your credentials)."
        ),
    ],
    public_key: Annotated[
        str | None,
        typer.Option(envvar="LANGFUSE_PUBLIC_KEY", help="Project public key: adds the round trip."),
    ] = None,
    secret_key: Annotated[
        str | None, typer.Option(envvar="LANGFUSE_SECRET_KEY", help="Project secret key.")
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(help="With a URL: the NextAuth provider whose sign-in redirect to check."),
    ] = None,
    issuer: Annotated[
        list[str] | None,
        typer.Option(help="With a URL: an OIDC issuer whose discovery document must answer."),
    ] = None,
    allow_http: Annotated[
        bool, typer.Option("--allow-http", help="Accept a plain-HTTP URL.")
    ] = False,
    ca_file: Annotated[
        str | None, typer.Option(help="CA bundle to verify TLS with (private CAs).")
    ] = None,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for the sent trace to be readable.")
    ] = 60,
    langfuse_version: Annotated[
        str | None,
        typer.Option(
            help="The Langfuse release that runs (e.g. 4.38.0 or 3.150.0): chooses the round "
            "trip. Default: the environment's langfuse.version; with a URL, a fresh v4."
        ),
    ] = None,
    migration_mode: Annotated[
        str | None,
        typer.Option(
            help="v4's migration mode: none (events-only: OTLP, read back through the v2 "
            "observations API), legacy or dual (the ingestion and traces APIs). Default: the "
            "environment's langfuse.migration_mode; with a URL, none."
        ),
    ] = None,
) -> None:
    """After deploy: TLS, health with PostgreSQL, ClickHouse, readiness, the sign-in page,
    every identity provider's OIDC discovery document, the sign-in redirect's callback URL
    and, with API keys, one ingestion round trip on the path the Langfuse version and
    migration mode accept. Exits 1 when a check fails."""
    keys = (public_key, secret_key) if public_key and secret_key else None
    with reported_errors():
        if target.startswith(("http://", "https://")):
            ingestion = ingestion_path(
                langfuse_version or LangfuseConfig().version, migration_mode or "none"
            )
            checked = smoke_module.SmokeTarget(
                url=target,
                issuers=[(f"issuer {i + 1}", url) for i, url in enumerate(issuer or [])],
                sign_in_provider=provider,
                api_keys=keys,
                ingestion=ingestion,
            )
        else:
            config = load_target(target).config
            lf = config.langfuse
            ingestion = ingestion_path(
                langfuse_version or lf.version, migration_mode or lf.migration_mode
            )
            checked = smoke_module.target_from_stack(config, boto3_clients(), keys, ingestion)
        runner = smoke_module.Smoke(
            checked, allow_http=allow_http, ca_file=ca_file, ingestion_wait=wait
        )
    checks = runner.run()
    print_checks(f"smoke test of {checked.url}", checks)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app()
