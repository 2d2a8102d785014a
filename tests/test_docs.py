"""The documentation: a README that is a quick start, and a MkDocs site that builds strictly.

Issue 18: "The README becomes a quick start of at most 150 lines (...). The rest moves to docs/,
built with MkDocs (Material) in strict mode by the gate". MkDocs' strict mode turns every
warning into a failure (https://www.mkdocs.org/user-guide/configuration/#strict), and
mkdocs.yml's `validation` makes a link to a missing page or anchor, and a page left out of the
navigation, a warning (https://www.mkdocs.org/user-guide/configuration/#validation).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def build(site: Path, docs: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`mkdocs build` as the Makefile runs it, with no way out to the network.

    The proxies point at a closed local port, so a theme or plugin that fetched anything at
    build time would fail the build instead of quietly depending on the internet.
    """
    closed = "http://127.0.0.1:9"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HTTP_PROXY": closed, "HTTPS_PROXY": closed}
    env.update({"http_proxy": closed, "https_proxy": closed, "NO_PROXY": "", "no_proxy": ""})
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    if docs is not None:
        command += ["--config-file", str(docs / "mkdocs.yml")]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)


@pytest.mark.slow  # runs mkdocs build
def test_the_site_builds_strictly_and_offline(tmp_path: Path) -> None:
    result = build(tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "configuration-reference" / "index.html").exists()
    assert (tmp_path / "site" / "runbook" / "index.html").exists()


@pytest.mark.slow  # runs mkdocs build
def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    """The strictness is real: the same site with one link to a missing anchor does not build."""
    copy = tmp_path / "copy"
    (copy / "docs").mkdir(parents=True)
    for page in (REPO / "docs").glob("*.md"):
        (copy / "docs" / page.name).write_text(page.read_text())
    (copy / "mkdocs.yml").write_text((REPO / "mkdocs.yml").read_text())
    with (copy / "docs" / "cost.md").open("a") as cost:
        cost.write("\nSee [the runbook](runbook.md#no-such-section).\n")
    result = build(tmp_path / "site", copy)
    assert result.returncode != 0
    assert "no-such-section" in result.stdout + result.stderr


def test_every_page_is_in_the_navigation() -> None:
    nav = (REPO / "mkdocs.yml").read_text()
    for page in (REPO / "docs").glob("*.md"):
        assert f": {page.name}" in nav, page.name


def test_the_readme_is_a_quick_start() -> None:
    """At most 150 lines, with the two commands, and every link it has leads somewhere."""
    text = README.read_text()
    assert len(text.splitlines()) <= 150
    assert "make synth" in text and "make test" in text
    links = [target for target in LINK.findall(text) if "://" not in target]
    assert links
    for target in links:
        assert (REPO / target).exists(), target


def test_the_readme_points_to_every_page() -> None:
    text = README.read_text()
    for page in (REPO / "docs").glob("*.md"):
        assert f"(docs/{page.name})" in text, page.name
