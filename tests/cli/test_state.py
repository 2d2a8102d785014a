"""Where a command finds the environment and keeps its state: names resolve in the current
directory, each environment has its own state directory, and a fresh assembly is reused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from langfuse_aws.cli import app as app_module
from langfuse_aws.cli import state as state_module
from langfuse_aws.cli import target as target_module
from langfuse_aws.cli.state import is_fresh, record_assembly
from langfuse_aws.cli.target import Target, TargetError, load_target
from synth import REPO, SynthesizedEnvironment


def write(path: Path, name: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"name: {name}\nregion: eu-west-1\n")
    return path


def test_a_name_is_config_name_yaml_then_name_yaml_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "config" / "one.yaml", "one")
    write(tmp_path / "two.yaml", "two")
    monkeypatch.chdir(tmp_path)
    assert load_target("one").config.name == "one"
    assert load_target("two").config.name == "two"


def test_the_source_tree_is_not_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "config" / "mine.yaml", "mine")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TargetError) as error:
        load_target("example")  # config/example.yaml exists only in the checkout
    assert "Name one of mine" in str(error.value)


def test_each_environment_has_its_own_state_however_it_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "config" / "a.yaml", "alpha")
    write(tmp_path / "config" / "b.yaml", "beta")
    monkeypatch.chdir(tmp_path)
    by_name = load_target("a").state()
    by_path = load_target(str(tmp_path / "config" / "a.yaml")).state()
    other = load_target("b").state()
    assert by_name == by_path
    assert by_name.root == tmp_path / "config" / ".langfuse-aws" / "alpha"
    assert other.root == tmp_path / "config" / ".langfuse-aws" / "beta"
    assert load_target("b").state(tmp_path / "s").root == tmp_path / "s" / "beta"


def test_an_assembly_is_fresh_for_the_same_config_and_package_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path / "e.yaml", "env")
    state = load_target(str(config)).state()
    (state.assembly).mkdir(parents=True)
    (state.assembly / "manifest.json").write_text("{}")
    assert not is_fresh(state, config)  # never recorded
    record_assembly(state, config)
    assert is_fresh(state, config)
    config.write_text(config.read_text() + "data_protection: disposable\n")
    assert not is_fresh(state, config)  # the config changed
    record_assembly(state, config)
    monkeypatch.setattr(state_module, "package_version", lambda: "9.9.9")
    assert not is_fresh(state, config)  # another langfuse-aws built it


@pytest.fixture
def recorded_example(
    example: SynthesizedEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """config/example.yaml copied to a temp folder, with its synthesized assembly recorded in
    its state directory, and any new synth refused."""
    config = tmp_path / "example.yaml"
    shutil.copy(REPO / "config" / "example.yaml", config)
    state = Target(path=config, config=example.config).state()
    state.root.mkdir(parents=True)
    shutil.copytree(example.outdir, state.assembly)
    record_assembly(state, config)

    def no_synth(target: Target, state_dir: Path | None = None, **_: object) -> Target:
        raise TargetError(f"synthesized {target.path} again")

    monkeypatch.setattr(target_module, "synthesize", no_synth)
    return config


@pytest.mark.parametrize("command", ["cost", "diagram"])
def test_cost_and_diagram_reuse_a_fresh_assembly(recorded_example: Path, command: str) -> None:
    result = CliRunner().invoke(app_module.app, [command, str(recorded_example)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", ["cost", "diagram"])
def test_a_changed_config_is_synthesized_again(recorded_example: Path, command: str) -> None:
    recorded_example.write_text(recorded_example.read_text() + "# changed\n")
    result = CliRunner().invoke(app_module.app, [command, str(recorded_example)])
    assert result.exit_code == 1
    assert "synthesized" in result.output and "again" in result.output
