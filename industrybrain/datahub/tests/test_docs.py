"""The documentation names what the code ships (Datasette style: docs checked by tests)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import yaml

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_every_shipped_indicator_and_rule_is_documented_with_its_formula() -> None:
    text = resources.files("industrybrain.datahub").joinpath("data", "catalogue.yaml").read_text(encoding="utf-8")
    catalogue = yaml.safe_load(text)
    page = (DOCS / "indicators.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z][a-z0-9_]*)` \|", page, re.M))  # codes as models.code_validator allows
    shipped = {i["code"] for i in catalogue["indicators"]} | {r["code"] for r in catalogue["rules"]}
    assert documented == shipped
    for indicator in catalogue["indicators"]:
        if indicator.get("formula"):
            assert f"`{indicator['formula']}`" in page


def test_the_data_hub_page_lists_every_setting_it_names() -> None:
    from django.conf import settings

    page = (DOCS / "data-hub.md").read_text(encoding="utf-8")
    for name in re.findall(r"^\| `([A-Z_]+)` \|", page, re.M):
        assert hasattr(settings, name), name
