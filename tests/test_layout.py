"""The layout a newcomer relies on: constructs take props, not the YAML's models, and the main
stack reads as a wiring diagram.

Both are read from the source (no synth), so they run in well under a second.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "langfuse_aws"
CONSTRUCTS = PACKAGE / "constructs"
MAIN_STACK = PACKAGE / "stacks" / "langfuse_stack.py"
MAX_WIRING_LINES = 100
CONFIG = "langfuse_aws.config"


def package_of(path: Path) -> list[str]:
    """The package a module's relative imports start from, e.g. langfuse_aws.constructs.data
    for .../langfuse_aws/constructs/data/cache.py (and for .../data/__init__.py)."""
    return list(path.relative_to(PACKAGE.parent).parent.parts)


def imports(text: str, package: list[str]) -> set[str]:
    """Every module ``text`` imports, or imports from, relative imports resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            # ``from .. import config`` imports the module ``config`` itself.
            found.update({module, *(f"{module}.{alias.name}" for alias in node.names)})
    return found


def config_imports(path: Path) -> list[str]:
    """The modules of ``langfuse_aws.config`` that the file at ``path`` imports."""
    found = imports(path.read_text(encoding="utf-8"), package_of(path))
    return sorted(m for m in found if m == CONFIG or m.startswith(f"{CONFIG}."))


def test_relative_and_absolute_imports_of_the_config_are_both_seen() -> None:
    """The check below is only as good as this resolution."""
    package = package_of(CONSTRUCTS / "data" / "cache.py")
    assert package == ["langfuse_aws", "constructs", "data"]
    assert "langfuse_aws.config.models" in imports("from ...config.models import X\n", package)
    assert "langfuse_aws.config" in imports("from ... import config\n", package)
    assert "langfuse_aws.config" in imports("import langfuse_aws.config\n", package)
    assert "langfuse_aws.constructs.data.protection" in imports(
        "from .protection import DataProtection\n", package
    )


def test_no_construct_reads_the_yaml_models() -> None:
    """Constructs take frozen dataclass props of primitives and CDK interfaces (DESIGN.md,
    conventions 2 and 3); the stack builders (stacks/) translate the config into them. A
    construct that imports ``langfuse_aws.config`` would tie a resource to the YAML's shape."""
    offenders = {
        str(path.relative_to(PACKAGE)): config_imports(path)
        for path in sorted(CONSTRUCTS.rglob("*.py"))
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_main_stack_is_a_wiring_diagram() -> None:
    """``LangfuseStack.__init__`` calls the builders of stacks/main/ and passes resources
    between them; every resource detail lives in a builder or a construct."""
    tree = ast.parse(MAIN_STACK.read_text(encoding="utf-8"))
    (stack,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "LangfuseStack"]
    (init,) = [n for n in stack.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
    assert init.end_lineno is not None
    lines = init.end_lineno - init.lineno + 1
    assert lines <= MAX_WIRING_LINES, f"LangfuseStack.__init__ has {lines} lines"
