"""`industrybrain evaluate` in file mode (DESIGN §3) and over the data hub."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

MU_INPUT = """uscc,name,county,above_scale,land_area,tax_paid,value_added,energy_consumption,emissions,employees_avg,rd_expense,revenue,electricity,age_years,under_major_construction
A1,甲公司,331082,1,10,100,500,100,1,50,10,1000,50,5,0
A2,乙公司,331082,1,20,100,500,100,,50,0,1000,50,5,0
A3,丙公司,331082,1,10,-5,100,100,1,20,1,200,10,5,0
B1,丁公司,331082,0,5,20,,,,,,,10,5,0
T1,戊公司,331082,0,,10,,,,,,,5,0.5,0
"""


def run_file(tmp_path: Path, text: str, spec: str = "mu_efficiency", out: str = "out.csv") -> Path:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    target = tmp_path / out
    call_command("evaluate", spec, "--data", str(source), "--out", str(target), stdout=io.StringIO())
    return target


def rows(path: Path) -> dict[str, dict[str, str]]:
    return {r["uscc"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))}


def test_file_mode_writes_every_node_the_rank_and_the_grade(tmp_path: Path) -> None:
    result = rows(run_file(tmp_path, MU_INPUT))
    first = result["A1"]
    # 规上 benchmarks are ratios of sums over A1-A3: 亩均税收 195/40, 亩均增加值 1100/40, 能耗 1100/300,
    # 排放 1100/2 (A2 has none: it gets the population's mean score), 劳产率 1100/120, R&D 11/2200.
    assert float(first["tax_per_mu"]) == pytest.approx(10 / (195 / 40))
    assert float(first["labour_productivity"]) == pytest.approx(10 / (1100 / 120))
    assert float(rows(run_file(tmp_path, MU_INPUT))["A2"]["value_added_per_emission"]) == pytest.approx(
        (float(first["value_added_per_emission"]) + float(result["A3"]["value_added_per_emission"])) / 2
    )
    assert {k: result[k]["population"] for k in result} == {
        "A1": "above_scale", "A2": "above_scale", "A3": "above_scale", "B1": "below_scale_large", "T1": "tenants",
    }  # fmt: skip
    assert result["A3"]["grade"] == "D" and result["A3"]["grade_reason"] == "实缴税金为负"
    assert result["T1"]["grade"] == "" and result["T1"]["rank"] == ""  # under a year old: not graded
    # Rank 1 of 3 is the top third: above the 10% of class A, so B (提升发展类).
    assert result["A1"]["grade_name"] == "提升发展类" and result["A1"]["rank"] == "1"


def test_file_mode_is_reproducible_byte_for_byte(tmp_path: Path) -> None:
    first = run_file(tmp_path, MU_INPUT, out="one.csv").read_bytes()
    assert run_file(tmp_path, MU_INPUT, out="two.csv").read_bytes() == first


def test_file_mode_reads_gb18030_and_writes_xlsx(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    source = tmp_path / "in.csv"
    source.write_bytes(MU_INPUT.encode("gb18030"))
    target = tmp_path / "out.xlsx"
    call_command("evaluate", "mu_efficiency", "--data", str(source), "--out", str(target), stdout=io.StringIO())
    sheet = load_workbook(target).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:3] == ["uscc", "name", "population"] and "grade" in header
    assert sheet.cell(row=2, column=2).value == "甲公司"


def test_bad_input_is_refused_with_rows_and_columns(tmp_path: Path) -> None:
    broken = MU_INPUT.replace("A2,乙公司,331082,1,20,100", "A2,乙公司,331082,1,20,一百")
    with pytest.raises(CommandError, match=r"row 3, column tax_paid: '一百' is not a number"):
        run_file(tmp_path, broken)
    assert not (tmp_path / "out.csv").exists()
    with pytest.raises(CommandError, match="missing column"):
        run_file(tmp_path, MU_INPUT.replace("electricity", "power"))
    with pytest.raises(CommandError, match="no spec file or shipped spec"):
        run_file(tmp_path, MU_INPUT, spec="no_such_spec")


def test_a_spec_file_with_errors_names_them(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "code: x\nname: x\nversion: '1'\ntree: {code: t, name: t, children: [{code: a, value: v, weight: -1}]}\n"
    )
    with pytest.raises(CommandError, match=r"children\[0\]\.weight"):
        run_file(tmp_path, "id,v\n1,2\n", spec=str(spec))


def test_explain_prints_an_entity(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(MU_INPUT, encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate", "mu_efficiency", "--data", str(source), "--explain", "A2", stdout=out)
    assert '"what_if"' in out.getvalue() and '"population": "above_scale"' in out.getvalue()
