"""`make plan`: which config changes would replace or delete a stateful resource.

CloudFormation replaces a resource when a create-only property changes (or names a replaced
resource) and deletes one whose logical id disappears; the schemas cfn-lint ships say which
properties are create-only.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from synth import REPO, SynthesizedEnvironment, synthesize

sys.path.insert(0, str(REPO / "scripts"))

from langfuse_aws.clickhouse_move import clickhouse_moves
from plan import assembly_templates, main, plan, stack_changes


def variant(tmp_path_factory: pytest.TempPathFactory, extra: str) -> SynthesizedEnvironment:
    """config/example.yaml with ``extra`` settings appended, synthesized with make synth."""
    folder = tmp_path_factory.mktemp("variant")
    config = folder / "example.yaml"
    config.write_text((REPO / "config" / "example.yaml").read_text() + extra)
    return synthesize(config)


@pytest.fixture(scope="module")
def external_clickhouse(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedEnvironment:
    return variant(
        tmp_path_factory,
        "clickhouse:\n  mode: external\n  url: https://ch.example.com:8443\n"
        "  migration_url: clickhouse://ch.example.com:9440\n  password_secret: ch/pw\n",
    )


@pytest.fixture(scope="module")
def settings_change(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedEnvironment:
    return variant(
        tmp_path_factory,
        "waf:\n  rate_limit: 5000\n",
    )


def test_moving_clickhouse_out_deletes_its_file_system(
    example: SynthesizedEnvironment, external_clickhouse: SynthesizedEnvironment
) -> None:
    lost = [c for c in plan(example.outdir, external_clickhouse.outdir) if c.stateful]
    kinds = {(c.kind, c.action) for c in lost}
    assert ("AWS::EFS::FileSystem", "deleted") in kinds
    assert main(["plan", str(example.outdir), str(external_clickhouse.outdir)]) == 1


def test_moving_clickhouse_out_is_refused_as_a_clickhouse_move(
    example: SynthesizedEnvironment,
    external_clickhouse: SynthesizedEnvironment,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The synthesized templates themselves: mode fargate keeps its data on the EFS file
    system ClickHouseData9DECA92C; with mode external that store is gone and the external
    ClickHouse starts with none of it."""
    old = assembly_templates(example.outdir)
    new = assembly_templates(external_clickhouse.outdir)
    (move,) = clickhouse_moves(old, new)
    assert (move.stack, move.before.mode, move.after.mode) == (
        example.main_stack,
        "fargate",
        "external",
    )
    assert move.before.store_id == "ClickHouseData9DECA92C"
    assert clickhouse_moves(old, old) == []
    assert main(["plan", str(example.outdir), str(external_clickhouse.outdir)]) == 1
    assert "ClickHouse would start empty" in capsys.readouterr().err


def test_a_settings_change_loses_nothing(
    example: SynthesizedEnvironment, settings_change: SynthesizedEnvironment
) -> None:
    assert [c for c in plan(example.outdir, settings_change.outdir) if c.stateful] == []
    assert main(["plan", str(example.outdir), str(settings_change.outdir)]) == 0


def test_same_assembly_plans_nothing(example: SynthesizedEnvironment) -> None:
    assert plan(example.outdir, example.outdir) == []


def test_renamed_construct_deletes_the_old_bucket(
    example: SynthesizedEnvironment, tmp_path: Path
) -> None:
    """A renamed construct gets a new logical id: the old resource is deleted."""
    renamed = tmp_path / "renamed"
    shutil.copytree(example.outdir, renamed)
    path = renamed / f"{example.main_stack}.template.json"
    template = json.loads(path.read_text())
    template["Resources"]["StorageBucketRenamed"] = template["Resources"].pop(
        "StorageBucket5CB7C8EA"
    )
    path.write_text(json.dumps(template))
    lost = [c for c in plan(example.outdir, renamed) if c.stateful]
    assert [(c.logical_id, c.action) for c in lost] == [("StorageBucket5CB7C8EA", "deleted")]


def resource(kind: str, policy: str | None = None, **properties: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Type": kind, "Properties": properties}
    if policy:
        body["DeletionPolicy"] = policy
    return body


def test_create_only_change_replaces_and_cascades() -> None:
    """EFS PerformanceMode and a DB subnet group's name are create-only (CloudFormation schemas);
    a cluster whose create-only DBSubnetGroupName names a replaced group is replaced too."""
    old = {
        "Resources": {
            "Data": resource("AWS::EFS::FileSystem", "Retain", PerformanceMode="generalPurpose"),
            "Subnets": resource("AWS::RDS::DBSubnetGroup", DBSubnetGroupName="a"),
            "Cluster": resource(
                "AWS::RDS::DBCluster", "Retain", DBSubnetGroupName={"Ref": "Subnets"}
            ),
            "Logs": resource("AWS::Logs::LogGroup", RetentionInDays=7),
        }
    }
    new = copy.deepcopy(old)
    new["Resources"]["Data"]["Properties"]["PerformanceMode"] = "maxIO"
    new["Resources"]["Subnets"]["Properties"]["DBSubnetGroupName"] = "b"
    new["Resources"]["Logs"]["Properties"]["RetentionInDays"] = 30
    changes = {c.logical_id: c for c in stack_changes("S", "eu-west-1", old, new)}
    assert set(changes) == {"Data", "Subnets", "Cluster"}
    assert changes["Data"].stateful and changes["Data"].action == "replaced"
    assert changes["Cluster"].stateful and "Subnets" in changes["Cluster"].reason
    assert not changes["Subnets"].stateful
