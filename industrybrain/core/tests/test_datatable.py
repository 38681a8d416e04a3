"""The shared table: sorting, search, choice filters, pages and exports, on lists and on querysets."""

import csv
import io

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from industrybrain.core.datatable import Column, DataTable, TableError
from industrybrain.registry.models import Region

COLUMNS = [
    Column("name", "Name", link="url"),
    Column("city", "City", choices=True),
    Column("value", "Value", kind="number", digits=1),
    Column("growth", "Growth", kind="percent"),
]
ROWS = [
    {"name": "临海", "city": "台州", "value": 30.0, "growth": 0.05, "url": "/r/331082"},
    {"name": "椒江", "city": "台州", "value": None, "growth": -0.01, "url": "/r/331002"},
    {"name": "义乌", "city": "金华", "value": 50.0, "growth": 0.10, "url": "/r/330782"},
    {"name": "天台", "city": "台州", "value": 10.0, "growth": None, "url": "/r/331023"},
]


def table(query: str = "", rows=ROWS, **options) -> DataTable:
    return DataTable(RequestFactory().get("/t" + (f"?{query}" if query else "")), COLUMNS, rows, **options)


def names(t: DataTable) -> list[str]:
    return [r["name"] for r in t.page_rows]


def test_the_source_order_is_kept_without_a_sort() -> None:
    assert names(table()) == ["临海", "椒江", "义乌", "天台"]


def test_sorting_puts_missing_values_last_both_ways() -> None:
    assert names(table("sort=-value")) == ["义乌", "临海", "天台", "椒江"]
    assert names(table("sort=value")) == ["天台", "临海", "义乌", "椒江"]


def test_an_unknown_sort_column_is_ignored() -> None:
    assert table("sort=secret").sort == ""


def test_search_and_choice_filter() -> None:
    assert names(table("q=临")) == ["临海"]
    assert names(table("f.city=台州&sort=-growth")) == ["临海", "椒江", "天台"]
    assert table().choice_filters()[0]["values"] == ["台州", "金华"]


def test_pages_are_bounded() -> None:
    t = table("per_page=3&page=9")
    assert (t.pages, t.page, names(t)) == (2, 2, ["天台"])
    assert table("page=abc&per_page=0").page == 1


def test_headers_link_to_the_next_sort_and_keep_other_parameters() -> None:
    t = table("sort=-value&region=3310&page=2&per_page=3")
    by_key = {h["column"].key: h for h in t.header()}
    assert by_key["value"]["aria_sort"] == "descending"
    assert "sort=value" in by_key["value"]["sort_url"] and "region=3310" in by_key["value"]["sort_url"]
    assert "&page=" not in by_key["value"]["sort_url"]  # a new order starts on page 1
    assert "sort=-growth" in by_key["growth"]["sort_url"]  # numbers: largest first on the first click
    assert "sort=name" in by_key["name"]["sort_url"]


def test_cells_are_formatted_and_linked() -> None:
    first = table().body()[0]
    assert [c["text"] for c in first] == ["临海", "台州", "30.0", "5.0%"]
    assert first[0]["url"] == "/r/331082"


def test_csv_export_holds_every_filtered_row_unformatted() -> None:
    response = table("f.city=台州&sort=-value&per_page=1&export=csv").export_response()
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Name", "City", "Value", "Growth"]
    assert [r[0] for r in rows[1:]] == ["临海", "天台", "椒江"]
    assert rows[1][3] == "0.05"
    assert 'filename="table.csv"' in response["Content-Disposition"]


def test_xlsx_export() -> None:
    response = table("export=xlsx", name="counties").export_response()
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["Name", "City", "Value", "Growth"]
    assert sheet.max_row == 5 and sheet["C4"].value == 50


def test_no_export_without_the_parameter() -> None:
    assert table("export=pdf").export_response() is None


def test_prefixed_tables_read_only_their_own_parameters() -> None:
    t = table("sort=-value&b-sort=name&b-q=义", prefix="b-")
    assert names(t) == ["义乌"]


def test_a_bad_column_kind_is_refused() -> None:
    with pytest.raises(TableError):
        DataTable(RequestFactory().get("/"), [Column("x", "X", kind="money")], [])


def test_the_template_renders_links_and_aria_sort() -> None:
    html = render_to_string("core/_datatable.html", {"table": table("sort=-value")})
    assert 'aria-sort="descending"' in html and 'href="/r/330782"' in html and "export=xlsx" in html


@pytest.mark.django_db
def test_querysets_are_sorted_filtered_and_paged_in_the_database(world) -> None:
    regions = Region.objects.filter(code__in=["331000", "331002", "331082"]).values("code", "name", "level")
    columns = [Column("code", "Code", kind="code"), Column("name", "Name"), Column("level", "Level", choices=True)]
    request = RequestFactory().get("/?sort=-code&f.level=county&per_page=1")
    t = DataTable(request, columns, regions)
    assert t.count == 2 and t.pages == 2
    assert [r["code"] for r in t.page_rows] == ["331082"]
    assert t.choice_filters()[0]["values"] == ["city", "county"]
    searched = DataTable(RequestFactory().get("/?q=临海"), columns, regions)
    assert [r["code"] for r in searched.page_rows] == ["331082"]


@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)), max_size=30), st.booleans())
def test_sorting_is_a_permutation_with_missing_values_last(values, descending) -> None:
    rows = [{"name": str(i), "city": "", "value": v, "growth": None} for i, v in enumerate(values)]
    t = table(f"sort={'-' if descending else ''}value&per_page=500", rows=rows)
    got = [r["value"] for r in t.page_rows]
    assert sorted(map(str, got)) == sorted(map(str, values))
    present = [v for v in got if v is not None]
    assert got[: len(present)] == present
    assert present == sorted(present, reverse=descending)
