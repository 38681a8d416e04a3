"""Stored runs over the data hub: inputs read through the analytics facade, results kept and reproducible."""

from __future__ import annotations

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied

from conftest import make_enterprise
from industrybrain.analytics.evaluation.model import EvaluationError
from industrybrain.analytics.evaluation.spec import SpecError
from industrybrain.datahub.operations import import_facts
from industrybrain.evaluations import operations
from industrybrain.evaluations.models import EvaluationRun, EvaluationSpec
from industrybrain.registry.models import Region

TAX_PER_MU = """
code: tax_per_mu_only
name: 亩均税收评价
version: "1"
entity: enterprise
id_column: uscc
name_column: name
rank_within: [county]
tree:
  code: score
  name: 得分
  scale: 100
  children:
    - {code: tax_per_mu, name: 亩均税收, value: tax_paid, per: land_area, weight: 1, normalise: {method: benchmark, benchmark: ratio_of_sums}}
grading:
  method: bands
  classes: [{grade: A, min: 110}, {grade: B}]
"""

INDEX = """
code: mini_index
name: 小指数
version: "1"
entity: region
id_column: code
name_column: name
rank_within: [city]
tree:
  code: index
  name: 指数
  children:
    - {code: fiveg_per_10k, name: 5G, value: fiveg_per_10k, weight: 1, normalise: {method: goalposts, low: 0, high: 100, range: [0, 100]}}
"""


def land(user, text: str) -> None:
    report = import_facts(text.strip().encode(), "facts.csv", user, dry_run=False)
    assert report.ok, report.errors


@pytest.fixture
def graded(world) -> dict:
    """Three 临海 firms with 2024 tax and land: 亩均税收 10, 5 and 15 万元/亩; the county's ratio of sums is
    (100 + 50 + 300) / (10 + 10 + 20) = 11.25."""
    extra = make_enterprise("MA2JJJJJ", "331082", "临海市第三家公司")
    firms = [world["linhai_firm"], world["commuter_firm"], extra]
    lines = ["uscc,indicator,period,value"]
    for firm, tax, land_area in zip(firms, (100, 50, 300), (10, 10, 20), strict=True):
        lines += [f"{firm.uscc},tax_paid,2024年1—12月,{tax}", f"{firm.uscc},land_area,2024,{land_area}"]
    land(world["province_admin"], "\n".join(lines))
    spec = operations.add_spec(TAX_PER_MU)
    return {**world, "firms": firms, "spec": spec}


def test_it_evaluates_the_data_hub_and_stores_a_run_that_reproduces(graded) -> None:
    user, linhai = graded["linhai_analyst"], graded["linhai"]
    run = operations.run_evaluation(graded["spec"], linhai, 2024, user)
    table = operations.results(run).set_index("id")
    first, _commuter, third = (f.uscc for f in graded["firms"])
    # commuter_firm is registered in 椒江, so 临海's subtree holds the other two: (100 + 300) / (10 + 20).
    benchmark = 400 / 30
    assert set(table.index) == {first, third}
    assert table.loc[first, "score"] == pytest.approx(10 / benchmark * 100)
    assert table.loc[third, "score"] == pytest.approx(15 / benchmark * 100)
    assert table.loc[third, "grade"] == "A" and table.loc[first, "grade"] == "B"
    assert (run.spec_digest, run.engine_version, run.period) == (
        graded["spec"].digest,
        operations.ENGINE_VERSION,
        "2024",
    )
    assert run.data_version and run.summary["populations"]["all"]["grades"] == {"A": 1, "B": 1}
    assert run.weights == {"all": {"score": {"tax_per_mu": 1.0}}}
    assert operations.verify_run(run)["identical"]
    again = operations.run_evaluation(graded["spec"], linhai, 2024, user)
    assert operations.results(again).equals(operations.results(run))


def test_a_tampered_result_file_does_not_verify(graded) -> None:
    run = operations.run_evaluation(graded["spec"], graded["linhai"], 2024, graded["linhai_analyst"])
    stored = pd.read_parquet(run.results_path)
    stored.loc[0, "score"] = stored.loc[0, "score"] + 1e-9
    stored.to_parquet(run.results_path, index=False)
    operations._results.cache_clear()
    assert operations.verify_run(run) == {
        **operations.verify_run(run),
        "identical": False,
        "differing_columns": ["score"],
    }


def test_explanations_compare_with_the_previous_year(graded) -> None:
    first, _commuter, third = (f.uscc for f in graded["firms"])
    land(graded["province_admin"], f"uscc,indicator,period,value\n{first},tax_paid,2025年1—12月,400\n"
         f"{first},land_area,2025,10\n{third},tax_paid,2025年1—12月,300\n{third},land_area,2025,20")  # fmt: skip
    user, linhai = graded["linhai_analyst"], graded["linhai"]
    earlier = operations.run_evaluation(graded["spec"], linhai, 2024, user)
    later = operations.run_evaluation(graded["spec"], linhai, 2025, user)
    assert operations.previous_run(later) == earlier
    explained = operations.explain(later, first, user)
    assert explained["rank"] == 1 and explained["grade"] == "A"
    assert explained["change"] == {
        "previous_rank": 2.0,
        "rank_change": 1.0,
        "previous_grade": "B",
        "grade_changed": True,
    }
    compared = operations.compare(earlier, later, user).set_index("id")
    assert compared.loc[first, "rank_change"] == 1 and bool(compared.loc[first, "grade_changed"])


def test_scopes_bound_who_runs_and_who_sees(graded) -> None:
    spec, linhai = graded["spec"], graded["linhai"]
    with pytest.raises(PermissionDenied):
        operations.run_evaluation(spec, linhai, 2024, graded["jiaojiang_analyst"])
    with pytest.raises(PermissionDenied):
        operations.run_evaluation(spec, linhai, 2024, graded["clerk"])
    with pytest.raises(PermissionDenied):  # enterprises of the whole city are not a county analyst's to grade
        operations.run_evaluation(spec, Region.objects.get(code="331000"), 2024, graded["linhai_analyst"])
    run = operations.run_evaluation(spec, linhai, 2024, graded["linhai_analyst"])
    assert operations.visible_results(run, graded["jiaojiang_analyst"]).empty
    assert not EvaluationRun.objects.visible_to(graded["jiaojiang_analyst"]).filter(pk=run.pk).exists()
    assert EvaluationRun.objects.visible_to(graded["city_analyst"]).filter(pk=run.pk).exists()
    own = operations.visible_results(run, graded["enterprise_user"])
    assert list(own["id"]) == [graded["enterprise_user"].enterprise.uscc]
    with pytest.raises(LookupError):
        operations.explain(run, graded["firms"][2].uscc, graded["enterprise_user"])


def test_a_region_index_compares_every_county_of_the_region(world) -> None:
    land(world["province_admin"], "区划代码,指标,时期,数值\n331082,fiveg_per_10k,2024,30\n331002,fiveg_per_10k,2024,50")
    spec = operations.add_spec(INDEX)
    city = Region.objects.get(code="331000")
    run = operations.run_evaluation(spec, city, 2024, world["linhai_analyst"], with_uncertainty=False)
    table = operations.results(run).set_index("id")
    assert len(table) == Region.objects.filter(parent=city).count()  # every county, reported or not
    assert table.loc["331002", "index"] == pytest.approx(50) and table.loc["331002", "rank"] == 1
    assert table.loc["331082", "rank_city"] == 2 and pd.isna(table.drop(["331082", "331002"])["rank"]).all()
    assert EvaluationRun.objects.visible_to(world["jiaojiang_analyst"]).filter(pk=run.pk).exists()


def test_bad_specs_and_unknown_inputs_are_refused_and_store_nothing(world) -> None:
    with pytest.raises(SpecError):
        operations.add_spec(TAX_PER_MU.replace("weight: 1", "weight: heavy"))
    spec = operations.add_spec(TAX_PER_MU.replace("value: tax_paid", "value: profits_that_do_not_exist"))
    with pytest.raises(EvaluationError, match="profits_that_do_not_exist"):
        operations.run_evaluation(spec, world["linhai"], 2024, world["linhai_analyst"])
    assert not EvaluationRun.objects.exists()


def test_the_same_spec_text_is_stored_once_and_shipped_specs_are_loaded(db) -> None:
    assert {"mu_efficiency", "digital_economy_index", "digital_economy_index_topsis", "smart_manufacturing"} <= set(
        EvaluationSpec.objects.values_list("code", flat=True)
    )
    first = operations.add_spec(TAX_PER_MU)
    assert operations.add_spec(TAX_PER_MU + "\n# a comment changes nothing\n") == first
    changed = operations.add_spec(TAX_PER_MU.replace("min: 110", "min: 120"))
    assert changed != first and operations.current_spec("tax_per_mu_only") == changed
