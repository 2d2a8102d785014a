"""Compile every Python file of a venv's packages to bytecode once, saying how far it is.

Why: each `make synth` starts a Python that imports about 100 MB of package source
(aws-cdk-lib's modules alone are 180 MB). Without bytecode on disk, every run compiles that
again, in memory only when PYTHONDONTWRITEBYTECODE is set (as on some machines and CI): several
CPU-seconds per synth. pip compiles at install time; uv can too, but says nothing during the
half-minute or more it takes, so set-up runs this instead and prints a progress line per tenth.
Files that do not compile (test data shipped in some packages) are skipped and counted, as pip
and uv skip them.

Usage: <venv>/bin/python scripts/compile_bytecode.py [DIR]   (default: that venv's packages)
"""

from __future__ import annotations

import argparse
import py_compile
import sys
import sysconfig
import time
from multiprocessing import Pool
from pathlib import Path


def compile_one(source: tuple[str, int]) -> tuple[bool, int]:
    """Write the bytecode of one (path, size) file next to it (``__pycache__``); returns whether
    it compiled, and its size."""
    path, size = source
    try:
        py_compile.compile(path, doraise=True)
    except (py_compile.PyCompileError, OSError):
        return False, size
    return True, size


def sources(root: Path) -> list[tuple[str, int]]:
    """Every ``.py`` file under root with its size, largest first (so no worker ends last
    with one big file)."""
    files = [(str(path), path.stat().st_size) for path in root.rglob("*.py") if path.is_file()]
    return sorted(files, key=lambda item: item[1], reverse=True)


def compile_tree(root: Path) -> tuple[int, int]:
    """Compile every file under root on all cores, printing progress by tenths of the source
    size; returns (files compiled, files skipped)."""
    files = sources(root)
    total = sum(size for _, size in files) or 1
    print(
        f"Compiling {len(files)} Python files ({total / 1e6:.0f} MB) under {root} to bytecode,"
        " once, so that each run starts fast...",
        flush=True,
    )
    start = time.monotonic()
    done = skipped = 0
    next_tenth = 1
    with Pool() as pool:
        for compiled, size in pool.imap_unordered(compile_one, files, chunksize=4):
            skipped += not compiled
            done += size
            while done * 10 >= next_tenth * total and next_tenth <= 10:
                print(f"  {next_tenth * 10} % ({time.monotonic() - start:.0f} s)", flush=True)
                next_tenth += 1
    if skipped:
        print(f"  {skipped} files do not compile (test data of some packages): skipped.")
    return len(files) - skipped, skipped


def main(argv: list[str] | None = None) -> int:
    """Compile DIR, or the running interpreter's site-packages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=sysconfig.get_path("purelib"))
    root = Path(parser.parse_args(argv).root)
    if not root.is_dir():
        print(
            f"compile_bytecode.py: {root}: no such folder; give a venv's site-packages.",
            file=sys.stderr,
        )
        return 2
    compile_tree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
