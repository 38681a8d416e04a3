"""docs/evaluations.md documents every shipped spec: its code, every indicator and every class."""

from __future__ import annotations

from pathlib import Path

import pytest

from industrybrain.analytics.evaluation.parsing import load_spec
from industrybrain.evaluations.operations import SHIPPED_SPECS

DOC = (Path(__file__).resolve().parents[3] / "docs" / "evaluations.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(SHIPPED_SPECS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_spec_is_documented(path: Path) -> None:
    spec = load_spec(path)
    assert f"`{spec.code}`" in DOC
    for node in spec.nodes():
        assert f"`{node.code}`" in DOC or node is spec.populations[0].tree, f"{spec.code}: {node.code} undocumented"
    for grade_class in spec.classes:
        assert grade_class.name in DOC
    for tier in spec.tiers:
        assert f"`{tier.code}`" in DOC
