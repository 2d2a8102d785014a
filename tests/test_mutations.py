"""scripts/mutate.py stays honest: every mutation still names code that exists, exactly once.

A mutation whose snippet no longer exists would change nothing, and its tests would pass: it
would be counted as "survived" only when someone runs `make mutate`. This catches it at once.
"""

from __future__ import annotations

import sys

import pytest

from synth import REPO

sys.path.insert(0, str(REPO / "scripts"))

from mutate import MUTATIONS, Mutation


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.claim)
def test_each_mutation_breaks_existing_code(mutation: Mutation) -> None:
    source = (REPO / mutation.path).read_text()
    assert source.count(mutation.old) == 1, mutation.path
    assert mutation.new != mutation.old
    for target in mutation.tests:
        if target.startswith("tests/"):
            assert (REPO / target).exists(), target


def test_claims_are_unique() -> None:
    claims = [m.claim for m in MUTATIONS]
    assert len(claims) == len(set(claims))
