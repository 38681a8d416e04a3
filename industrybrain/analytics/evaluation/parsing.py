"""Reading a spec from YAML: the whole file is checked and every problem reported with its place
(`populations[0].tree.children[2].weight`), so a county editing a copy learns what is wrong before anything runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from .conditions import Condition, ConditionError, parse_condition
from .spec import (
    AGGREGATIONS,
    BENCHMARK_STATISTICS,
    ENTITY_KINDS,
    GEOMETRIC_ZEROS,
    GRADING_METHODS,
    MISSING_METHODS,
    NORMALISATIONS,
    OUTLIER_METHODS,
    RESULT_COLUMNS,
    TOPSIS_NORMALISATIONS,
    TOPSIS_WEIGHTS_IN,
    WEIGHTINGS,
    ClassBand,
    GradeClass,
    Grading,
    Leaf,
    Missing,
    Node,
    Normalisation,
    Outliers,
    Override,
    Population,
    Spec,
    SpecError,
    Tier,
    Uncertainty,
)


# --- parsing -------------------------------------------------------------------------------------------------
class _Reader:
    """Reads one mapping of the YAML, collecting problems instead of stopping at the first."""

    def __init__(self, problems: list[tuple[str, str]], place: str, data: Any) -> None:
        self.problems, self.place = problems, place
        if not isinstance(data, dict):
            self.fail("", _("must be a mapping"))
            data = {}
        self.data: dict[str, Any] = data

    def fail(self, key: str, message: str) -> None:
        self.problems.append((f"{self.place}.{key}".strip(".") if key else self.place, message))

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None or (not isinstance(value, str | int | float)) or str(value).strip() == "":
            self.fail(key, _("is required") if value is None else _("must be text"))
            return ""
        return str(value).strip()

    def number(self, key: str, default: float | None = None) -> float | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, _("must be a number, not %(value)s") % {"value": repr(value)})
            return default
        return float(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.data.get(key, default)
        if value not in choices:
            self.fail(
                key,
                _("must be one of %(choices)s, not %(value)s") % {"choices": ", ".join(choices), "value": repr(value)},
            )
            return default
        return str(value)

    def condition(self, key: str, lists: dict[str, tuple[Any, ...]]) -> Condition | None:
        value = self.data.get(key)
        if value is None:
            return None
        try:
            return parse_condition(str(value), lists)
        except ConditionError as exc:
            self.fail(key, str(exc))
            return None

    def child(self, key: str, index: int | None = None) -> str:
        return f"{self.place}.{key}" + (f"[{index}]" if index is not None else "")


def _normalisation(r: _Reader) -> Normalisation:
    method = r.choice("method", NORMALISATIONS, "minmax")
    low_high = r.data.get("range", [0, 1])
    if not (isinstance(low_high, list) and len(low_high) == 2 and all(isinstance(x, int | float) for x in low_high)):
        r.fail("range", _("must be two numbers, e.g. [0, 100]"))
        low_high = [0, 1]
    benchmark = r.data.get("benchmark")
    if benchmark is not None and not isinstance(benchmark, int | float) and benchmark not in BENCHMARK_STATISTICS:
        r.fail("benchmark", _("must be a number or one of %(choices)s") % {"choices": ", ".join(BENCHMARK_STATISTICS)})
    if method == "benchmark" and benchmark is None:
        r.fail("benchmark", _("is required by the benchmark method"))
    result = Normalisation(
        method=method,
        range=(float(low_high[0]), float(low_high[1])),
        low=r.number("low"),
        high=r.number("high"),
        benchmark=float(benchmark) if isinstance(benchmark, int | float) else benchmark,
        cap=r.number("cap"),
        target=r.number("target"),
    )
    if method == "goalposts" and (result.low is None or result.high is None or result.low >= result.high):
        r.fail("", _("goalposts need low < high"))
    if method == "target" and not result.target:
        r.fail("target", _("is required (and not 0) by the target method"))
    if isinstance(result.benchmark, float) and result.benchmark == 0:
        r.fail("benchmark", _("must not be 0"))
    return result


def _leaf(r: _Reader, defaults: dict[str, Any]) -> Leaf:
    merged = {**defaults, **{k: v for k, v in r.data.items() if k in ("missing", "outliers", "normalise")}}
    missing = merged.get("missing", "none")
    missing = {"method": missing} if isinstance(missing, str) else missing
    outliers = merged.get("outliers", "none")
    outliers = {"method": outliers} if isinstance(outliers, str) else outliers
    normalise = merged.get("normalise", "minmax")
    normalise = {"method": normalise} if isinstance(normalise, str) else normalise
    m = _Reader(r.problems, r.child("missing"), missing)
    o = _Reader(r.problems, r.child("outliers"), outliers)
    leaf = Leaf(
        code=r.text("code"),
        name=r.text("name", r.data.get("code")),
        column=r.text("value"),
        per=str(r.data["per"]) if r.data.get("per") else None,
        multiplier=r.number("multiplier", 1.0) or 1.0,
        unit=str(r.data.get("unit", "")),
        polarity=r.choice("polarity", ("positive", "negative"), "positive"),
        weight=r.number("weight"),
        missing=Missing(m.choice("method", MISSING_METHODS, "none"), m.data.get("group")),
        outliers=Outliers(
            o.choice("method", OUTLIER_METHODS, "none"),
            o.number("skew", 2.0) or 2.0,
            o.number("kurtosis", 3.5) or 3.5,
            int(o.number("max_points", 5) or 5),
        ),
        normalise=_normalisation(_Reader(r.problems, r.child("normalise"), normalise)),
    )
    if leaf.missing.method == "group_mean" and not leaf.missing.group:
        m.fail("group", _("is required by group_mean"))
    return leaf


def _node(r: _Reader, defaults: dict[str, Any]) -> Node | Leaf:
    if "children" not in r.data:
        return _leaf(r, defaults)
    raw_children = r.data["children"]
    if not isinstance(raw_children, list) or not raw_children:
        r.fail("children", _("must be a non-empty list"))
        raw_children = []
    children = tuple(
        _node(_Reader(r.problems, r.child("children", i), c), defaults) for i, c in enumerate(raw_children)
    )
    topsis = _Reader(r.problems, r.child("topsis"), r.data.get("topsis", {}))
    weighting_default = "fixed" if children and all(c.weight is not None for c in children) else "equal"
    node = Node(
        code=r.text("code"),
        name=r.text("name", r.data.get("code")),
        children=children,
        weight=r.number("weight"),
        aggregation=r.choice("aggregation", AGGREGATIONS, "arithmetic"),
        weighting=r.choice("weighting", WEIGHTINGS, weighting_default),
        renormalise=bool(r.data.get("renormalise", True)),
        scale=r.number("scale", 1.0) or 1.0,
        zeros=r.choice("zeros", GEOMETRIC_ZEROS, "zero"),
        floor=r.number("floor", 1e-6) or 1e-6,
        topsis_normalisation=topsis.choice("normalisation", TOPSIS_NORMALISATIONS, "vector"),
        topsis_weights_in=topsis.choice("weights_in", TOPSIS_WEIGHTS_IN, "matrix"),
    )
    if node.weighting == "fixed":
        for i, child in enumerate(children):
            if child.weight is None or child.weight < 0:
                r.problems.append((r.child("children", i) + ".weight", _("fixed weighting needs a weight ≥ 0")))
    return node


def _grading(r: _Reader, lists: dict[str, tuple[Any, ...]]) -> Grading:
    method = r.choice("method", GRADING_METHODS, "bands")
    classes = []
    raw = r.data.get("classes")
    if not isinstance(raw, list) or not raw:
        r.fail("classes", _("must be a non-empty list"))
        raw = []
    for i, item in enumerate(raw):
        c = _Reader(r.problems, r.child("classes", i), item)
        band = ClassBand(c.text("grade"), c.number("min"), c.number("top"))
        last = i == len(raw) - 1
        if method == "bands" and band.min_score is None and not last:
            c.fail("min", _("every class but the last needs the score it starts at"))
        if method == "percentiles" and band.top is None and not last:
            c.fail("top", _("every class but the last needs the share of ranks it holds (0-1)"))
        classes.append(band)
    overrides = []
    for i, item in enumerate(r.data.get("overrides") or []):
        o = _Reader(r.problems, r.child("overrides", i), item)
        condition = o.condition("when", lists)
        if condition is None:
            o.fail("when", _("is required"))
            continue
        grade = o.data.get("grade")
        overrides.append(
            Override(condition, None if grade is None else str(grade), o.text("reason"), bool(o.data.get("rank", True)))
        )
    return Grading(method, tuple(classes), tuple(overrides))


def _check_tree(problems: list[tuple[str, str]], place: str, tree: Node | Leaf) -> None:
    if not isinstance(tree, Node):
        problems.append((place, _("the tree's root must have children")))
        return
    codes = [n.code for n in tree.walk()]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append((place, _("node code %(code)s is used twice") % {"code": repr(code)}))
    for code in sorted(set(codes) & set(RESULT_COLUMNS)):
        problems.append((place, _("%(code)s names a result column; choose another node code") % {"code": repr(code)}))


def _uncertainty(r: _Reader) -> Uncertainty:
    def names(key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        value = r.data.get(key) or []
        bad = [v for v in value if v not in allowed]
        if bad:
            r.fail(
                key,
                _("unknown %(bad)s; allowed: %(allowed)s")
                % {"bad": ", ".join(map(str, bad)), "allowed": ", ".join(allowed)},
            )
        return tuple(v for v in value if v in allowed)

    runs = int(r.number("runs", 1000) or 1000)
    if not 10 <= runs <= 100_000:
        r.fail("runs", _("must be between 10 and 100000"))
    return Uncertainty(
        runs=runs,
        seed=int(r.number("seed", 20261122) or 0),
        weight_spread=r.number("weight_spread", 0.25) or 0.0,
        weight_levels=int(r.number("weight_levels", 8) or 8),
        normalisations=names("normalisations", NORMALISATIONS),
        aggregations=names("aggregations", AGGREGATIONS),
        missing=names("missing", MISSING_METHODS),
    )


MAX_SPEC_NODES = 20_000  # values in the parsed spec, aliases expanded: a "billion laughs" file stops here
_SHAPES: dict[str, type] = {"lists": dict, "defaults": dict, "populations": list, "tiers": list, "classes": list,
                            "policies": dict, "rank_within": list, "uncertainty": dict}  # fmt: skip


def _expanded_size_exceeds(data: Any, limit: int) -> bool:
    """Whether the structure, with every shared (aliased) part counted each time it is used, has more than
    `limit` values; counting stops at the limit, so a YAML bomb costs nothing."""
    stack, seen = [data], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _shapes(r: _Reader) -> None:
    """Top-level values of the wrong kind are reported and then ignored, so parsing can go on."""
    for key, kind in _SHAPES.items():
        value = r.data.get(key)
        if value is not None and not isinstance(value, kind):
            r.fail(key, _("must be a mapping") if kind is dict else _("must be a list"))
            r.data = {**r.data, key: None}
    for name, values in (r.data.get("lists") or {}).items():
        if not isinstance(values, list) or not all(isinstance(v, str | int | float) for v in values):
            r.fail(f"lists.{name}", _("must be a list of texts or numbers"))
    if not all(isinstance(g, str) for g in r.data.get("rank_within") or []):
        r.fail("rank_within", _("must be a list of column names"))
    for i, item in enumerate(r.data.get("classes") or []):
        if not isinstance(item, dict) or "code" not in item:
            r.fail(f"classes[{i}]", _("must be a mapping with a code"))
    for grade, items in (r.data.get("policies") or {}).items():
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            r.fail(f"policies.{grade}", _("must be a list of mappings"))


def parse_spec(data: Any) -> Spec:
    """A Spec from parsed YAML; SpecError lists every problem."""
    if _expanded_size_exceeds(data, MAX_SPEC_NODES):
        raise SpecError(
            [("", _("the spec has more than %(limit)d values (aliases expanded)") % {"limit": MAX_SPEC_NODES})]
        )
    problems: list[tuple[str, str]] = []
    r = _Reader(problems, "", data)
    _shapes(r)
    if problems:
        raise SpecError(problems)
    lists = {str(k): tuple(v) for k, v in (r.data.get("lists") or {}).items() if isinstance(v, list)}
    defaults = r.data.get("defaults") or {}
    populations = []
    raw_populations = r.data.get("populations") or [
        {"code": "all", "name": r.data.get("name", "all"), "tree": r.data.get("tree"), "grading": r.data.get("grading")}
    ]
    for i, item in enumerate(raw_populations):
        p = _Reader(problems, f"populations[{i}]", item)
        tree_data = p.data.get("tree") or r.data.get("tree")
        if tree_data is None:
            p.fail("tree", _("is required (here or at the top of the spec)"))
            continue
        tree = _node(_Reader(problems, p.child("tree"), tree_data), defaults)
        _check_tree(problems, p.child("tree"), tree)
        grading_data = p.data.get("grading", r.data.get("grading"))
        grading = _grading(_Reader(problems, p.child("grading"), grading_data), lists) if grading_data else None
        if isinstance(tree, Node):
            populations.append(
                Population(
                    p.text("code"), p.text("name", p.data.get("code")), p.condition("when", lists), tree, grading
                )
            )
    tiers = []
    for i, item in enumerate(r.data.get("tiers") or []):
        t = _Reader(problems, f"tiers[{i}]", item)
        requires = t.condition("requires", lists)
        if requires is None:
            t.fail("requires", _("is required"))
            continue
        tiers.append(Tier(t.text("code"), t.text("name"), requires, t.condition("reserve", lists)))
    classes = tuple(
        GradeClass(str(c.get("code")), str(c.get("name", c.get("code"))), str(c.get("name_en", "")))
        for c in r.data.get("classes") or []
        if isinstance(c, dict)
    )
    spec = Spec(
        code=r.text("code"),
        name=r.text("name"),
        version=r.text("version"),
        entity=r.choice("entity", ENTITY_KINDS, "enterprise"),
        populations=tuple(populations),
        name_en=str(r.data.get("name_en", "")),
        description=str(r.data.get("description", "")),
        id_column=str(r.data.get("id_column", "id")),
        name_column=r.data.get("name_column"),
        rank_within=tuple(r.data.get("rank_within") or ()),
        classes=classes,
        tiers=tuple(tiers),
        policies=dict(r.data.get("policies") or {}),
        lists=lists,
        uncertainty=_uncertainty(_Reader(problems, "uncertainty", r.data["uncertainty"]))
        if r.data.get("uncertainty")
        else None,
        digest=spec_digest(data) if isinstance(data, dict) else "",
    )
    _check_classes(problems, spec)
    if problems:
        raise SpecError(problems)
    return spec


def _check_classes(problems: list[tuple[str, str]], spec: Spec) -> None:
    known = {c.code for c in spec.classes}
    for i, population in enumerate(spec.populations):
        if population.grading is None or not known:
            continue
        named = [c.grade for c in population.grading.classes] + [
            o.grade for o in population.grading.overrides if o.grade is not None
        ]
        for grade in sorted(set(named) - known):
            problems.append(
                (
                    f"populations[{i}].grading",
                    _("grade %(grade)s is not among the spec's classes") % {"grade": repr(grade)},
                )
            )


def spec_digest(data: dict[str, Any]) -> str:
    """sha256 of the spec's content, independent of key order, comments and layout."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_spec_text(text: str) -> Spec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError([("", _("not valid YAML: %(problem)s") % {"problem": exc})]) from exc
    try:
        return parse_spec(data)
    except (TypeError, AttributeError) as exc:  # a shape no check above foresaw: still the spec's fault
        raise SpecError([("", _("unexpected structure: %(problem)s") % {"problem": exc})]) from exc


def load_spec(path: str | Path) -> Spec:
    return load_spec_text(Path(path).read_text(encoding="utf-8"))
