"""The data-hub commands, run as an analyst would: import files, ask a question, rebuild and check."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from industrybrain.datahub.models import Indicator, Target


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_ask_and_rebuild_from_the_command_line(world, tmp_path: Path) -> None:
    firm = world["linhai_firm"].uscc
    good = tmp_path / "good.csv"
    good.write_text(f"uscc,period,value_added\n{firm},2024年1—7月,110\n{firm},2023年1—7月,100\n", encoding="utf-8")
    assert "added 2" in run("import_facts", str(good), "--user", "linhai_analyst")
    output = run("stats", "value_added", "2024年1—7月", "--by", "class", "--user", "linhai_analyst")
    assert "110.00" in output and "+10.0%" in output and "汽车零部件及配件制造" in output
    assert "identical" in run("rebuild_statistics", "--check")
    Target.objects.create(
        region=world["linhai"], indicator=Indicator.objects.get(code="value_added"), year=2024, value=300
    )
    assert "2024年1—7月 36.7%" in run("targets", "--user", "linhai_analyst")


def test_a_bad_file_fails_the_command_and_lands_nothing(world, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(f"uscc,period,value_added\n{world['linhai_firm'].uscc},2024-03,lots\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 file"):
        run("import_facts", str(bad), "--user", "linhai_analyst")
    with pytest.raises(CommandError, match="outside your scope"):
        run("stats", "value_added", "2024-03", "--region", "331002", "--user", "linhai_analyst")
