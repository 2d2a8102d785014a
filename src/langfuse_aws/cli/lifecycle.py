"""The environment's life cycle through the pinned CDK CLI: synth, diff, plan, deploy,
destroy, bootstrap, check (the validators) and the restore drill.

Each command synthesizes the environment into its state directory and hands the CDK CLI that
exact assembly (``--app <assembly>``), so what is diffed, planned or deployed is what was
synthesized. ``check`` and ``deploy`` synthesize with ``-c validate=true``: cdk-nag, the
Control Tower rules and CloudFormation validation run there, not on every synth.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from .. import plan as plan_module
from .. import restore_drill
from ..naming import main_stack_name
from ..validated_assembly import is_validated
from ..validation_report import violations
from .cdk_cli import cdk_environment, cdk_executable
from .common import EnvArgument, StateDirOption, console, fail, reported_errors
from .feedback import step
from .target import Target, load_target, synthesize

CDK_FLAGS = ["--no-notices", "--no-version-reporting"]


def run_cdk(args: list[str], what: str) -> None:
    """Run the pinned CDK CLI with the operator's terminal (it may ask for approval); exit
    with one line when it fails."""
    with reported_errors():
        cdk = cdk_executable()
    result = subprocess.run([str(cdk), *args, *CDK_FLAGS], env=cdk_environment(), check=False)
    if result.returncode != 0:
        fail(f"cdk {what} failed (exit {result.returncode}): its output above says why.")


def synthesized(env: str, state_dir: Path | None, *, validate: bool = False) -> Target:
    """The environment, synthesized now into its state directory."""
    with reported_errors():
        return synthesize(load_target(env), state_dir, validate=validate)


def stack_summary(target: Target) -> None:
    """One line per stack: name, region, resource count."""
    for stack in target.stacks:
        count = len(stack.template.get("Resources", {}))
        console.print(f"{stack.name} ({stack.region}): {count} resources", markup=False)


def synth(env: EnvArgument, state_dir: StateDirOption = None) -> None:
    """Synthesize the environment (offline, no validators) into its state directory and list
    its stacks."""
    target = synthesized(env, state_dir)
    stack_summary(target)
    console.print(f"Assembly: {target.assembly}", markup=False)


def check(env: EnvArgument, state_dir: StateDirOption = None) -> None:
    """Synthesize with the validators (cdk-nag AwsSolutions, the AWS Control Tower proactive
    controls, CloudFormation validation); exits 1 on any unacknowledged finding."""
    target = synthesized(env, state_dir, validate=True)
    assert target.assembly is not None
    found = violations(target.assembly)
    if found:  # a report the CDK CLI did not fail on (cfn-guard exits 0 once one is acknowledged)
        fail(f"{len(found)} validator findings (first: {found[0]}): fix or acknowledge each.")
    console.print(f"{target.config.name}: no validator finding.", markup=False)


def diff(env: EnvArgument, state_dir: StateDirOption = None) -> None:
    """Compare every stack with what CloudFormation runs (needs credentials)."""
    target = synthesized(env, state_dir)
    run_cdk(["diff", "--app", str(target.assembly)], "diff")


FromOption = Annotated[
    Path | None,
    typer.Option(
        "--from",
        help="Compare with this cloud assembly instead of the last deploy's record (or, without "
        "one, the templates CloudFormation runs).",
    ),
]


RestoreFromOption = Annotated[
    str | None,
    typer.Option(
        "--clickhouse-restore-from",
        help="ClickHouse changes mode (fargate, ec2, external) and its data comes back from "
        "this backup, the newest complete one (checked; needs credentials). Without it such "
        "a change is refused: the new ClickHouse would start empty.",
    ),
]


def planned_changes(
    target: Target, base: Path | None, state_dir: Path | None, restore_from: str | None = None
) -> bool:
    """Print what deploying ``target`` would replace or delete; True when data would be lost
    or ClickHouse would move without ``restore_from``, the backup its data comes back from.

    The base is ``base``, else the assembly of the environment's last deploy, else the
    templates CloudFormation runs (needs credentials)."""
    assert target.assembly is not None
    new = plan_module.assembly_templates(target.assembly)
    record = target.state(state_dir).deployed
    with reported_errors():
        if base is None and target.state(state_dir).has_deploy_record():
            base = record
        if base is not None:
            console.print(f"Compared with {base}.", markup=False)
            old = plan_module.assembly_templates(base)
        else:
            import boto3

            with step("Reading the deployed templates from CloudFormation"):
                old = plan_module.deployed_templates(
                    new, lambda region: boto3.client("cloudformation", region_name=region)
                )
            console.print(
                f"Compared with the deployed stacks: {', '.join(old) or 'none exists yet'}.",
                markup=False,
            )
    changes = plan_module.plan_templates(old, new)
    moves = plan_module.clickhouse_moves(old, new)
    with reported_errors():
        checked = plan_module.checked_sources(moves, restore_from, plan_module.aws_client)
    judged = plan_module.verdict(changes, moves, old, restore_from, target.config.name, checked)
    for line in judged.lines:
        console.print(line, markup=False, soft_wrap=True)
    if judged.unmoved:
        console.print(plan_module.REFUSED_MOVE, markup=False, soft_wrap=True)
    elif not judged.lost:
        console.print(plan_module.no_loss_line(changes, moves), markup=False)
    return bool(judged.lost or judged.unmoved)


def plan(
    env: EnvArgument,
    state_dir: StateDirOption = None,
    base: FromOption = None,
    restore_from: RestoreFromOption = None,
) -> None:
    """List every resource a deploy would replace or delete; exits 1 when a stateful one (data)
    is among them, or when ClickHouse changes mode without a backup to restore."""
    target = synthesized(env, state_dir)
    if planned_changes(target, base, state_dir, restore_from):
        fail(
            "Data would be lost (DATA LOSS or CLICKHOUSE MOVE above): undo the change, or "
            "deploy with --allow-data-loss if that is intended."
        )


def deploy(
    env: EnvArgument,
    state_dir: StateDirOption = None,
    allow_data_loss: Annotated[
        bool,
        typer.Option("--allow-data-loss", help="Deploy even when the plan finds data loss."),
    ] = False,
    restore_from: RestoreFromOption = None,
) -> None:
    """Validate the exact assembly, refuse data loss (see plan), deploy every stack, and keep
    the assembly as the environment's deploy record (needs credentials)."""
    target = synthesized(env, state_dir)
    assert target.assembly is not None
    if not is_validated(target.assembly):  # validators once per assembly content
        target = synthesized(env, state_dir, validate=True)
    if planned_changes(target, None, state_dir, restore_from) and not allow_data_loss:
        fail(
            "Not deployed: data would be lost (DATA LOSS or CLICKHOUSE MOVE above). Undo the "
            "change, or run again with --allow-data-loss if that is intended."
        )
    run_cdk(["deploy", "--app", str(target.assembly), "--all"], "deploy")
    assert target.assembly is not None
    record = target.state(state_dir).deployed
    shutil.rmtree(record, ignore_errors=True)
    shutil.copytree(target.assembly, record)
    console.print(f"Deployed; the record is in {record}.", markup=False)


def destroy(
    env: EnvArgument,
    state_dir: StateDirOption = None,
    force: Annotated[bool, typer.Option("--force", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every stack of the environment (data the YAML retains stays; needs
    credentials)."""
    target = synthesized(env, state_dir)
    run_cdk(
        ["destroy", "--app", str(target.assembly), "--all", *(["--force"] if force else [])],
        "destroy",
    )
    shutil.rmtree(target.state(state_dir).deployed, ignore_errors=True)


def bootstrap(env: EnvArgument, state_dir: StateDirOption = None) -> None:
    """Bootstrap every account/region the environment's stacks deploy to (us-east-1 too when
    a stack lives there); needs credentials."""
    target = synthesized(env, state_dir)
    regions = sorted({stack.region for stack in target.stacks})
    console.print(f"Bootstrapping the regions these stacks need: {', '.join(regions)}.")
    run_cdk(["bootstrap", "--app", str(target.assembly)], "bootstrap")


def restore_drill_command(
    env: EnvArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what would be restored.")
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Restore only this part: aurora, efs or clickhouse (repeatable). Default: "
            "every part the environment has.",
        ),
    ] = None,
) -> None:
    """Restore the newest Aurora snapshot and EFS recovery point of the environment into new
    resources, and the newest ClickHouse backup into a scratch ClickHouse that reports each
    table's row count and is removed after (nothing in the stack changes); print the steps
    left. Needs credentials."""
    import boto3

    unknown = sorted(set(only or []) - set(restore_drill.PARTS))
    if unknown:
        fail(f"--only {unknown[0]}: choose among {', '.join(restore_drill.PARTS)}.")
    with reported_errors():
        config = load_target(env).config
        with step("Running the restore drill"):
            steps = restore_drill.run(
                boto3.Session(region_name=config.region),
                main_stack_name(config.name),
                dry_run,
                only=only,
            )
    if dry_run:
        console.print("Dry run: nothing was restored.")
        return
    if not steps:
        console.print("Nothing is left to clean up.")
        return
    console.print("Steps left:")
    for number, item in enumerate(steps, 1):
        console.print(f"  {number}. {item}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the life-cycle commands to the command line."""
    for command in (synth, diff, plan, deploy, destroy, bootstrap, check):
        app.command()(command)
    app.command("restore-drill")(restore_drill_command)
