"""The same small facts read from every file format land as the same stored values: an .xlsx in the statistics
office's report layout, Parquet, and GB18030 CSV; units in headers convert exactly; unreadable files are
refused with a clear report and change nothing."""

from __future__ import annotations

import io
import os
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from conftest import make_enterprise
from industrybrain.analytics.engine import store
from industrybrain.datahub.models import ImportBatch
from industrybrain.datahub.operations import import_facts

D = Decimal
TITLE = "2024年3月规上工业企业主要指标"
OUTPUT, ELECTRICITY = "工业总产值（万元）", "用电量（万千瓦时）"


@pytest.fixture
def firms(world) -> dict:
    second = make_enterprise("MA2DDDDD", "331082", "临海市东方阀门有限公司")
    return {"a": world["linhai_firm"].uscc, "b": second.uscc, "user": world["linhai_analyst"]}


def expected(firms: dict) -> list[tuple]:
    """March 2024 for two firms: output this month and year to date, and electricity this month."""
    a, b = firms["a"], firms["b"]
    return sorted(
        [
            (a, "electricity", False, D("30.1")),
            (a, "industrial_output", False, D("500.5")),
            (a, "industrial_output", True, D("1200.25")),
            (b, "electricity", False, D("7")),
            (b, "industrial_output", False, D("80")),
            (b, "industrial_output", True, D("210")),
        ]
    )


def stored_facts() -> list[tuple]:
    rows = store().query("SELECT entity_id, indicator, pkind, year, idx, ytd, value FROM facts ORDER BY ALL")
    return [tuple(r.values()) for r in rows.to_pylist()]


def stored_march(batch_id: int) -> list[tuple]:
    """The stored facts as (entity, indicator, ytd, value), checking that all are March 2024 of `batch_id`."""
    rows = store().query("SELECT entity_id, indicator, ytd, value, pkind, year, idx, batch_id FROM facts ORDER BY ALL")
    rows = [tuple(r.values()) for r in rows.to_pylist()]
    assert {r[4:] for r in rows} == {("M", 2024, 3, batch_id)}
    return [r[:4] for r in rows]


def report_xlsx(rows: list[list[object]]) -> bytes:
    """A sheet as statistics offices send it: a merged title row, a two-row header in which 工业总产值 spans
    本月 and 1—本月累计 and the other headers span both rows, then `rows` from Excel row 4."""
    book = Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.append(["统一社会信用代码", "企业名称", OUTPUT, None, ELECTRICITY])
    sheet.append([None, None, "本月", "1—本月累计", None])
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:E1")
    sheet.merge_cells("C2:D2")
    for column in "ABE":
        sheet.merge_cells(f"{column}2:{column}3")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_rows(firms: dict) -> list[list[object]]:
    return [
        [firms["a"], "临海市恒达汽车零部件有限公司", 500.5, 1200.25, 30.1],
        [firms["b"], "临海市东方阀门有限公司", 80, 210, 7],
    ]


def test_it_reads_an_xlsx_report_with_a_title_row_and_a_merged_two_row_header(firms) -> None:
    data = report_xlsx(xlsx_rows(firms))
    report = import_facts(data, "report.xlsx", firms["user"], dry_run=False, period="2024-03")
    assert report.ok, report.errors
    assert (report.layout, report.rows, report.new) == ("wide", 2, 6)
    assert stored_march(report.batch_id) == expected(firms)


def test_an_error_in_an_xlsx_report_names_the_excel_row_and_the_merged_header(firms) -> None:
    rows = xlsx_rows(firms)
    rows[1][3] = "二百一十"  # firm b's year-to-date output, on Excel row 5
    report = import_facts(report_xlsx(rows), "report.xlsx", firms["user"], dry_run=False, period="2024-03")
    assert [(e.row, e.column, e.value, e.reason) for e in report.errors] == [
        (5, f"{OUTPUT} 1—本月累计", "二百一十", "not a number")
    ]
    assert not report.applied and stored_facts() == [] and not ImportBatch.objects.exists()


def long_records(firms: dict) -> dict[str, list]:
    """The same facts in long layout; a year-to-date value is marked by its period, 2024年1—3月."""
    a, b = firms["a"], firms["b"]
    return {
        "entity": [a, a, a, b, b, b],
        "indicator": ["工业总产值", "工业总产值", "用电量", "industrial_output", "industrial_output", "electricity"],
        "period": ["2024年3月", "2024年1—3月", "2024-03", "2024-03", "2024年1—3月", "2024年3月"],
        "value": [500.5, 1200.25, 30.1, 80.0, 210.0, 7.0],
    }


def test_a_parquet_file_with_float_values_lands_the_same_values(firms) -> None:
    buffer = io.BytesIO()
    table = pa.table(
        {k: pa.array(v, pa.float64() if k == "value" else pa.string()) for k, v in long_records(firms).items()}
    )
    pq.write_table(table, buffer)
    report = import_facts(buffer.getvalue(), "facts.parquet", firms["user"], dry_run=False)
    assert report.ok, report.errors
    assert (report.layout, report.new) == ("long", 6)
    assert stored_march(report.batch_id) == expected(firms)


def test_a_gb18030_csv_with_chinese_headers_lands_the_same_values(firms) -> None:
    records = long_records(firms)
    lines = ["统一社会信用代码,指标,时期,数值"]
    lines += [",".join(map(str, r)) for r in zip(*records.values(), strict=True)]
    data = "\r\n".join(lines).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GB18030, not UTF-8 by accident
    report = import_facts(data, "facts.csv", firms["user"], dry_run=False)
    assert report.ok, report.errors
    assert stored_march(report.batch_id) == expected(firms)


def test_it_converts_yi_yuan_in_a_header_to_wan_yuan_exactly(firms) -> None:
    data = f"统一社会信用代码,工业总产值（亿元）\n{firms['a']},1.234567\n{firms['b']},0.1\n".encode()
    report = import_facts(data, "yi.csv", firms["user"], dry_run=False, period="2024-03")
    assert report.ok, report.errors
    assert stored_march(report.batch_id) == [
        (firms["a"], "industrial_output", False, D("12345.67")),
        (firms["b"], "industrial_output", False, D("1000")),
    ]


def test_a_value_in_yi_yuan_keeps_the_precision_it_has_in_wan_yuan(firms) -> None:
    # 0.12345678 亿元 is 1234.5678 万元, well within the store's six decimals.
    data = f"统一社会信用代码,工业总产值（亿元）\n{firms['a']},0.12345678\n".encode()
    report = import_facts(data, "yi.csv", firms["user"], dry_run=False, period="2024-03")
    assert stored_march(report.batch_id) == [(firms["a"], "industrial_output", False, D("1234.5678"))]


def test_it_converts_square_metres_of_land_to_mu(firms) -> None:
    data = f"统一社会信用代码,用地面积（平方米）\n{firms['a']},20000\n{firms['b']},13333\n".encode()
    report = import_facts(data, "land.csv", firms["user"], dry_run=False, period="2024")
    assert report.ok, report.errors
    rows = store().query("SELECT entity_id, indicator, pkind, year, value FROM facts ORDER BY ALL").to_pylist()
    assert [tuple(r.values()) for r in rows] == sorted(
        [(firms["a"], "land_area", "Y", 2024, D("30")), (firms["b"], "land_area", "Y", 2024, D("19.9995"))]
    )


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("report.xlsx", os.urandom(2048), "The file is not a readable .xlsx workbook"),
        (
            "facts.txt",
            "统一社会信用代码,工业总产值\n".encode(),
            "Unsupported file type .txt: use .csv, .xlsx or .parquet.",
        ),
        ("facts.parquet", b"PAR1 not really parquet", "The file is not a readable Parquet file"),
    ],
    ids=["random-xlsx", "txt", "bad-parquet"],
)
def test_an_unreadable_file_gives_a_clear_report_and_changes_nothing(firms, name, data, reason) -> None:
    import_facts(report_xlsx(xlsx_rows(firms)), "before.xlsx", firms["user"], dry_run=False, period="2024-03")
    before, batches = stored_facts(), ImportBatch.objects.count()
    report = import_facts(data, name, firms["user"], dry_run=False, period="2024-03")
    assert not report.ok and not report.applied and report.error_count == 1
    (error,) = report.errors
    assert (error.file, error.row) == (name, 1) and error.reason.startswith(reason)
    assert stored_facts() == before and ImportBatch.objects.count() == batches
