"""The evaluation engine on tables small enough to check by hand (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from industrybrain.analytics.evaluation import audit, explain, uncertainty
from industrybrain.analytics.evaluation.conditions import ConditionError, parse_condition
from industrybrain.analytics.evaluation.model import EvaluationError
from industrybrain.analytics.evaluation.parsing import load_spec_text
from industrybrain.analytics.evaluation.run import evaluate
from industrybrain.analytics.evaluation.spec import SpecError

# 亩均 in miniature: two indicators, fixed benchmarks 10 and 2, weights 60/40, cap 2, score = Σ v/b × w.
MU = """
code: mini_mu
name: 小亩均
version: "1"
entity: enterprise
id_column: uscc
name_column: name
classes: [{code: A, name: 优先}, {code: B, name: 提升}, {code: C, name: 帮扶}]
tree:
  code: score
  name: 得分
  scale: 100
  weighting: fixed
  renormalise: false
  children:
    - {code: tax_per_mu, name: 亩均税收, value: tax, per: land, weight: 60, normalise: {method: benchmark, benchmark: 10, cap: 2}}
    - {code: tax_per_power, name: 单位电耗税收, value: tax, per: power, weight: 40, normalise: {method: benchmark, benchmark: 2, cap: 2}}
grading:
  method: bands
  classes: [{grade: A, min: 120}, {grade: B, min: 80}, {grade: C}]
  overrides:
    - {when: "tax < 0", grade: C, reason: 税收为负}
    - {when: "new == 1", grade: null, rank: false, reason: 新办企业}
policies:
  C: [{factor: electricity, name: 加价, rate: 0.1}]
"""

FIRMS = pd.DataFrame(
    {
        "uscc": ["a", "b", "c", "d", "e"],
        "name": ["甲", "乙", "丙", "丁", "戊"],
        "tax": [100.0, 50.0, 300.0, -5.0, 80.0],
        "land": [10.0, 10.0, 10.0, 10.0, 10.0],
        "power": [50.0, 25.0, 50.0, 10.0, 40.0],
        "new": [0, 0, 0, 0, 1],
    }
)


def mini(text: str = MU, **changes: str):
    for old, new in changes.items():
        text = text.replace(old, new)
    return load_spec_text(text)


def row(evaluation, entity: str) -> pd.Series:
    return evaluation.table.set_index("id").loc[entity]


def test_it_scores_value_over_benchmark_times_weight_with_the_cap() -> None:
    result = evaluate(mini(), FIRMS)
    # a: 10/10×60 + 2/2×40 = 100; b: 0.5×60 + 1×40 = 70; c: 30/10 → capped 2 ×60 + 6/2 → 2 ×40 = 200.
    assert row(result, "a")["score"] == pytest.approx(100)
    assert row(result, "b")["score"] == pytest.approx(70)
    assert row(result, "c")["score"] == pytest.approx(200)
    assert row(result, "a")["tax_per_mu"] == pytest.approx(1.0)
    assert (row(result, "a")["grade"], row(result, "b")["grade"], row(result, "c")["grade"]) == ("B", "C", "A")


def test_it_applies_overrides_in_order_and_leaves_the_not_graded_out_of_the_ranks() -> None:
    result = evaluate(mini(), FIRMS)
    negative = row(result, "d")
    assert (negative["grade"], negative["grade_reason"]) == ("C", "税收为负")
    new = row(result, "e")
    assert pd.isna(new["grade"]) and new["grade_reason"] == "新办企业" and np.isnan(new["rank"])
    assert [row(result, k)["rank"] for k in "cabd"] == [1, 2, 3, 4]
    assert row(result, "a")["grade_name"] == "提升"


def test_percentile_classes_count_ranks_and_ties_take_the_better_class() -> None:
    spec = mini(
        **{"method: bands\n  classes: [{grade: A, min: 120}, {grade: B, min: 80}, {grade: C}]":
           "method: percentiles\n  classes: [{grade: A, top: 0.25}, {grade: B, top: 0.5}, {grade: C}]"}
    )  # fmt: skip
    table = pd.DataFrame({"uscc": list("pqrst"), "name": list("PQRST"), "tax": [40, 30, 30, 10, 5],
                          "land": [10] * 5, "power": [1e9] * 5, "new": [0] * 5})  # fmt: skip
    result = evaluate(spec, table)
    # Scores 240, 180, 180, 60, 30 (power term ≈ 0): ranks 1 2 2 4 5 of 5; shares .2 .4 .4 .8 1.
    assert [row(result, k)["rank"] for k in "pqrst"] == [1, 2, 2, 4, 5]
    assert [row(result, k)["grade"] for k in "pqrst"] == ["A", "B", "B", "C", "C"]


def test_missing_values_follow_the_rule_chosen_per_indicator() -> None:
    text = """
code: gaps
name: gaps
version: "1"
id_column: id
tree:
  code: total
  name: total
  weighting: equal
  children:
    - {code: zeroed, name: z, value: x, missing: zero, normalise: none}
    - {code: grouped, name: g, value: y, missing: {method: group_mean, group: city}, normalise: none}
    - {code: averaged, name: s, value: s, missing: score_mean, normalise: {method: minmax, range: [0, 10]}}
"""
    table = pd.DataFrame({"id": ["1", "2", "3", "4"], "city": ["h", "h", "n", "n"], "x": [None, 4, 4, 4],
                          "y": [2.0, None, 6.0, 8.0], "s": [0.0, 10.0, None, 5.0]})  # fmt: skip
    result = evaluate(load_spec_text(text), table).table.set_index("id")
    assert result.loc["1", "zeroed"] == 0
    assert result.loc["2", "grouped"] == 2  # the mean of city h's reported values
    # s scores 0, 10, ?, 5 on 0-10; the missing one gets their mean, 5.
    assert result.loc["3", "averaged"] == pytest.approx(5)
    assert result.loc["1", "total"] == pytest.approx((0 + 2 + 0) / 3)


@pytest.mark.parametrize(
    ("normalise", "polarity", "expected"),
    [
        ("{method: minmax, range: [0, 100]}", "positive", [0, 100 / 9, 100]),
        ("{method: minmax, range: [0, 100]}", "negative", [100, 800 / 9, 0]),
        ("{method: goalposts, low: 2, high: 6, range: [0, 1]}", "positive", [0, 0, 1]),
        ("{method: rank, range: [0, 1]}", "positive", [0, 0.5, 1]),
        ("{method: target, target: 4}", "positive", [0.25, 0.5, 1]),
        ("{method: target, target: 4}", "negative", [1, 1, 4 / 10]),
        ("{method: benchmark, benchmark: mean}", "positive", [1 / (13 / 3), 2 / (13 / 3), 10 / (13 / 3)]),
    ],
)
def test_normalisations_with_polarity(normalise: str, polarity: str, expected: list[float]) -> None:
    text = f"""
code: n
name: n
version: "1"
id_column: id
tree:
  code: total
  name: total
  children:
    - {{code: leaf, name: leaf, value: x, weight: 1, polarity: {polarity}, normalise: {normalise}}}
"""
    table = pd.DataFrame({"id": ["1", "2", "3"], "x": [1.0, 2.0, 10.0]})
    scores = evaluate(load_spec_text(text), table).table["leaf"].tolist()
    assert scores == pytest.approx(expected)


def test_z_scores_have_mean_zero_and_flip_for_negative_indicators() -> None:
    text = """
code: z
name: z
version: "1"
id_column: id
tree: {code: t, name: t, children: [{code: a, name: a, value: x, weight: 1, polarity: negative, normalise: zscore}]}
"""
    scores = evaluate(load_spec_text(text), pd.DataFrame({"id": ["1", "2", "3"], "x": [1.0, 2.0, 3.0]})).table["a"]
    assert scores.tolist() == pytest.approx([1, 0, -1])  # sample sd of 1, 2, 3 is 1


def test_geometric_aggregation_and_its_zero_rule() -> None:
    text = """
code: g
name: g
version: "1"
id_column: id
defaults: {normalise: none}
tree:
  code: t
  name: t
  aggregation: geometric
  weighting: equal
  zeros: ZEROS
  floor: 0.01
  children: [{code: a, name: a, value: a}, {code: b, name: b, value: b}]
"""
    table = pd.DataFrame({"id": ["1", "2"], "a": [4.0, 0.0], "b": [9.0, 1.0]})
    zero = evaluate(load_spec_text(text.replace("ZEROS", "zero")), table).table["t"].tolist()
    floor = evaluate(load_spec_text(text.replace("ZEROS", "floor")), table).table["t"].tolist()
    assert zero == pytest.approx([6, 0])
    assert floor == pytest.approx([6, 0.1])


def test_winsorisation_caps_an_outlier_that_skews_the_indicator() -> None:
    text = """
code: w
name: w
version: "1"
id_column: id
tree:
  code: t
  name: t
  children:
    - {code: a, name: a, value: x, weight: 1, outliers: {method: winsorise, skew: 2, kurtosis: 3.5, max_points: 3}, normalise: none}
"""
    values = [1.0, 2, 2, 3, 3, 3, 4, 4, 5, 1000]
    table = pd.DataFrame({"id": [str(i) for i in range(10)], "x": values})
    scores = evaluate(load_spec_text(text), table).table["a"].tolist()
    assert scores[:9] == values[:9]
    assert scores[9] == 5  # set to the next value inward; the rest then has |skew| < 2


def test_entropy_and_critic_weights_are_fitted_from_the_data_and_kept() -> None:
    text = """
code: e
name: e
version: "1"
id_column: id
defaults: {normalise: {method: minmax}}
tree:
  code: t
  name: t
  weighting: WEIGHTING
  children: [{code: a, name: a, value: a}, {code: b, name: b, value: b}]
"""
    table = pd.DataFrame({"id": ["1", "2", "3"], "a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.1]})
    for weighting in ("entropy_raw", "entropy_minmax", "critic"):
        result = evaluate(load_spec_text(text.replace("WEIGHTING", weighting)), table)
        weights = result.populations["all"].model.weights
        assert weights.sum() == pytest.approx(1) and (weights >= 0).all()
    # On raw proportions b barely varies (entropy ≈ 1) so a takes almost all the weight.
    raw = evaluate(load_spec_text(text.replace("WEIGHTING", "entropy_raw")), table).populations["all"].model.weights
    assert raw[0] > 0.99


def test_topsis_node_ranks_by_closeness_with_cost_columns() -> None:
    text = """
code: tp
name: tp
version: "1"
id_column: id
defaults: {normalise: none}
tree:
  code: c
  name: c
  aggregation: topsis
  weighting: equal
  children: [{code: good, name: good, value: good}, {code: cost, name: cost, value: cost, polarity: negative}]
"""
    table = pd.DataFrame({"id": ["best", "mid", "worst"], "good": [3.0, 2.0, 1.0], "cost": [1.0, 2.0, 3.0]})
    result = evaluate(load_spec_text(text), table).table.set_index("id")
    assert result.loc["best", "c"] == pytest.approx(1) and result.loc["worst", "c"] == pytest.approx(0)
    assert result.loc["mid", "c"] == pytest.approx(0.5)


def test_populations_ranks_within_groups_and_sub_index_ranks() -> None:
    text = """
code: p
name: p
version: "1"
id_column: id
rank_within: [city]
defaults: {normalise: none}
tree:
  code: t
  name: t
  weighting: equal
  children:
    - {code: pillar, name: pillar, weighting: equal, children: [{code: a, name: a, value: a}]}
    - {code: other, name: other, weighting: equal, children: [{code: b, name: b, value: b}]}
"""
    table = pd.DataFrame({"id": list("wxyz"), "city": ["h", "h", "n", "n"], "a": [4.0, 3, 2, 1], "b": [0.0, 0, 9, 0]})
    result = evaluate(load_spec_text(text), table).table.set_index("id")
    assert result["rank"].tolist() == [2, 3, 1, 4]  # totals 2, 1.5, 5.5, 0.5
    assert result["rank_city"].tolist() == [1, 2, 1, 2]
    assert result["pillar_rank"].tolist() == [1, 2, 3, 4]
    assert result["pillar_rank_city"].tolist() == [1, 2, 1, 2]


def test_tiers_recommend_the_highest_met_and_reserve_the_next_up() -> None:
    text = """
code: tiers
name: tiers
version: "1"
id_column: id
lists: {islands: [岛县]}
tree: {code: t, name: t, children: [{code: a, name: a, value: level, weight: 1, normalise: none}]}
tiers:
  - {code: low, name: 车间, requires: "spend >= 2000 or (county in islands and spend >= 1500)", reserve: "spend >= 1600"}
  - {code: high, name: 工厂, requires: "spend >= 4000 and t >= 3", reserve: "spend >= 3200"}
"""
    table = pd.DataFrame({"id": list("abcde"), "level": [3.0, 2, 1, 1, 1], "spend": [5000.0, 5000, 2500, 1600, 1500],
                          "county": ["x", "x", "x", "x", "岛县"]})  # fmt: skip
    result = evaluate(load_spec_text(text), table).table.set_index("id")
    assert result["tier"].tolist() == ["high", "low", "low", "", "low"]
    assert result["reserve_tier"].tolist() == ["", "high", "", "low", ""]


def test_contributions_add_up_to_the_score_and_what_if_reaches_the_next_class() -> None:
    spec = mini()
    result = evaluate(spec, FIRMS)
    explained = explain.explain(result, "b")
    parts = [i["contribution"] for i in explained["indicators"]]
    assert sum(parts) == pytest.approx(explained["score"]) == pytest.approx(70)
    assert parts == pytest.approx([30, 40])
    options = {o["code"]: o for o in explained["what_if"]["options"]}
    assert explained["what_if"]["target"] == {"grade": "B", "score": 80}
    # 亩均税收 must rise from 5 to 10×(80-40)/60 = 6.67; 单位电耗税收 from 2 to 2×(80-30)/40 = 2.5.
    assert options["tax_per_mu"]["needed"] == pytest.approx(20 / 3, rel=1e-3)
    assert options["tax_per_power"]["needed"] == pytest.approx(2.5, rel=1e-3)
    assert explained["what_if"]["options"][0]["code"] == "tax_per_power"  # +25% beats +33%
    assert evaluate(spec, FIRMS).table.equals(result.table)  # explaining changes nothing


def test_explanation_names_strengths_weaknesses_change_and_policies() -> None:
    result = evaluate(mini(), FIRMS)
    explained = explain.explain(result, "b", previous={"rank": 2, "grade": "B"})
    assert explained["grade"] == "C" and explained["policies"] == [
        {"factor": "electricity", "name": "加价", "rate": 0.1}
    ]
    assert explained["change"] == {"previous_rank": 2, "rank_change": -1, "previous_grade": "B", "grade_changed": True}
    assert "tax_per_mu" in explained["weaknesses"]  # 0.5 of the benchmark: the lowest but the negative-tax firm
    assert explain.explain(result, "c")["what_if"]["note"] == "already in the best class"
    assert explain.explain(result, "d")["what_if"]["note"].startswith("grade set by rule")


def test_audit_reports_availability_correlations_alpha_and_pca() -> None:
    report = audit.audit(evaluate(mini(), FIRMS))["all"]
    assert report["availability"] == {"tax_per_mu": 1.0, "tax_per_power": 1.0}
    assert report["correlations"]["codes"] == ["tax_per_mu", "tax_per_power"]
    assert report["correlations"]["matrix"][0][0] == pytest.approx(1)
    assert sum(report["pca_explained"]["score"]) == pytest.approx(1)
    assert report["cronbach_alpha"]["score"] is not None


def test_uncertainty_without_any_freedom_reproduces_the_nominal_ranks() -> None:
    spec = mini(**{"policies:": "uncertainty: {runs: 20, weight_spread: 0}\npolicies:"})
    result = evaluate(spec, FIRMS)
    analysis = uncertainty.analyse(result)
    intervals = analysis["entities"].set_index("id")
    ranked = intervals.dropna(subset=["rank"])
    assert (ranked["median_rank"] == ranked["rank"]).all() and (ranked["rank_p5"] == ranked["rank_p95"]).all()
    assert analysis["factors"] == [] and analysis["runs"] == 20


def test_uncertainty_is_seeded_and_names_the_assumption_that_moves_ranks() -> None:
    text = """
code: u
name: u
version: "1"
id_column: id
defaults: {normalise: {method: minmax, range: [0, 1]}}
tree:
  code: t
  name: t
  weighting: equal
  children: [{code: a, name: a, value: a}, {code: b, name: b, value: b}]
uncertainty: {runs: 200, seed: 3, weight_spread: 0.9, weight_levels: 4, normalisations: [rank]}
"""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"id": [str(i) for i in range(12)], "a": rng.random(12), "b": rng.random(12)})
    result = evaluate(load_spec_text(text), table)
    first, second = uncertainty.analyse(result), uncertainty.analyse(result)
    assert first["entities"].equals(second["entities"]) and first["sensitivity"] == second["sensitivity"]
    assert {s["factor"] for s in first["sensitivity"]} == {"weights:t", "normalisation"}
    intervals = first["entities"]
    assert (
        (intervals["rank_p5"] <= intervals["median_rank"]) & (intervals["median_rank"] <= intervals["rank_p95"])
    ).all()
    assert first["sensitivity"][0]["factor"] == "weights:t"  # a 90% weight swing on two crossing indicators


def test_spec_errors_name_every_place() -> None:
    bad = """
code: bad
name: bad
version: "1"
tree:
  code: t
  name: t
  weighting: fixed
  aggregation: median
  children:
    - {code: a, name: a, value: x, normalise: {method: benchmark}}
    - {code: a, name: dup, value: y, weight: 1, missing: {method: group_mean}}
grading: {method: bands, classes: [{grade: A}, {grade: B}]}
"""
    with pytest.raises(SpecError) as caught:
        load_spec_text(bad)
    places = dict(caught.value.problems)
    assert "populations[0].tree.aggregation" in places
    assert "populations[0].tree.children[0].weight" in places
    assert "populations[0].tree.children[0].normalise.benchmark" in places
    assert "populations[0].tree.children[1].missing.group" in places
    assert "populations[0].grading.classes[0].min" in places
    assert any("used twice" in message for message in places.values())


def test_conditions_cannot_run_code() -> None:
    for text in ("__import__('os').system('true')", "x.__class__", "open('f')", "[c for c in x]", "lambda: 1"):
        with pytest.raises(ConditionError):
            parse_condition(text)
    condition = parse_condition("x >= 2 and not missing(y) or z in [1, 2]")
    frame = pd.DataFrame({"x": [1, 3, np.nan], "y": [1, 1, 1], "z": [2, 9, 9]})
    assert condition.evaluate(frame).tolist() == [True, True, False]


def test_bad_data_is_refused_with_rows_and_columns() -> None:
    broken = FIRMS.assign(tax=["100", "lots", "300", "-5", "80"]).drop(columns=["power"])
    with pytest.raises(EvaluationError) as caught:
        evaluate(mini(), broken)
    message = str(caught.value)
    assert "missing column(s): power" in message and "row 3, column tax: 'lots' is not a number" in message
    with pytest.raises(EvaluationError, match="duplicate ids: a"):
        evaluate(mini(), pd.concat([FIRMS, FIRMS.iloc[[0]]]))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=3, max_size=30), st.floats(min_value=0.1, max_value=10)
)
def test_rank_normalised_scores_ignore_monotone_rescaling(values: list[float], power: float) -> None:
    text = """
code: r
name: r
version: "1"
id_column: id
tree: {code: t, name: t, children: [{code: a, name: a, value: x, weight: 1, normalise: {method: rank, range: [0, 100]}}]}
"""
    spec = load_spec_text(text)
    ids = [str(i) for i in range(len(values))]
    transformed = np.power(values, power)
    # In floating point a strictly increasing map can still merge two close values (√0.01 = √0.010000000000000002).
    assume(len(set(transformed)) == len(set(values)))
    plain = evaluate(spec, pd.DataFrame({"id": ids, "x": values})).table
    rescaled = evaluate(spec, pd.DataFrame({"id": ids, "x": transformed})).table
    assert plain["rank"].tolist() == rescaled["rank"].tolist()
    assert ((plain["t"] >= 0) & (plain["t"] <= 100)).all()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100), st.floats(0.5, 50)), min_size=2, max_size=15))
def test_arithmetic_contributions_always_add_up(rows: list[tuple[float, float, float]]) -> None:
    table = pd.DataFrame({"uscc": [f"e{i}" for i in range(len(rows))], "name": "n", "tax": [r[0] for r in rows],
                          "land": [r[2] for r in rows], "power": [r[1] + 1 for r in rows], "new": 0})  # fmt: skip
    result = evaluate(mini(), table)
    for entity in table["uscc"]:
        explained = explain.explain(result, entity)
        assert sum(i["contribution"] for i in explained["indicators"]) == pytest.approx(explained["score"])


def test_what_if_says_when_no_entity_is_in_a_better_class() -> None:
    spec = mini(
        **{"method: bands\n  classes: [{grade: A, min: 120}, {grade: B, min: 80}, {grade: C}]":
           "method: percentiles\n  classes: [{grade: A, top: 0.1}, {grade: B, top: 0.7}, {grade: C}]"}
    )  # fmt: skip
    result = evaluate(spec, FIRMS.iloc[:3])  # rank 1 of 3 is a third: nobody fits in the top 10%
    assert row(result, "c")["grade"] == "B"
    assert explain.explain(result, "c")["what_if"]["note"] == "no entity is in a better class"
    assert explain.explain(result, "b")["what_if"]["target"]["grade"] == "B"


@pytest.mark.parametrize(
    ("extra", "place"),
    [("lists: [1]", "lists"), ("rank_within: 5", "rank_within"), ("policies: [1]", "policies"),
     ("classes: 5", "classes"), ("lists: {a: 5}", "lists.a"), ("classes: [1]", "classes[0]"),
     ("policies: {A: 5}", "policies.A"), ("populations: {a: 1}", "populations")],
)  # fmt: skip
def test_values_of_the_wrong_kind_are_reported_in_place(extra: str, place: str) -> None:
    base = "code: x\nname: x\nversion: '1'\ntree: {code: t, name: t, children: [{code: a, name: a, value: v, weight: 1}]}\n"
    with pytest.raises(SpecError) as caught:
        load_spec_text(base + extra)
    assert place in dict(caught.value.problems)


def test_a_yaml_bomb_is_refused_before_it_expands() -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefg"):
        previous = "abcdefg"[i]
        levels.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    with pytest.raises(SpecError, match="more than 20000 values"):
        load_spec_text("\n".join(levels))
