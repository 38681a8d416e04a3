"""The shipped request categories and deadline rules (data/catalogue.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml

from .models import Category, DeadlineRule

CATALOGUE = Path(__file__).parent / "data" / "catalogue.yaml"


def load_catalogue() -> tuple[int, int]:
    """Add what is missing; never overwrite what an administrator changed. Returns (categories, rules) added."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    rules = 0
    for row in data["deadline_rules"]:
        _rule, created = DeadlineRule.objects.get_or_create(complexity=row["complexity"], defaults=row)
        rules += created
    categories = 0
    for row in data["categories"]:
        _category, created = Category.objects.get_or_create(code=row["code"], defaults=row)
        categories += created
    return categories, rules
