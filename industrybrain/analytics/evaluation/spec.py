"""Evaluation specs: a YAML file says everything a run computes (DESIGN §2 "methods are data").

A spec names the entity kind, the populations (each with a filter, a tree and a grading), optional tiers
(qualification ladders such as 数字化车间 → 智能工厂 → 未来工厂), the policies each class triggers, and the
uncertainty analysis. The tree has any depth: leaves read one column (optionally divided by another and
multiplied), inner nodes aggregate their children with weights. docs/evaluations.md describes every key.

`parsing.py` reads the YAML into these classes, reporting every problem with its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .conditions import Condition

NORMALISATIONS = ("none", "minmax", "goalposts", "zscore", "rank", "benchmark", "target")
BENCHMARK_STATISTICS = ("mean", "median", "ratio_of_sums")
MISSING_METHODS = ("none", "group_mean", "score_mean", "zero")
OUTLIER_METHODS = ("none", "winsorise")
WEIGHTINGS = ("fixed", "equal", "entropy_raw", "entropy_minmax", "critic")
AGGREGATIONS = ("arithmetic", "geometric", "topsis")
GEOMETRIC_ZEROS = ("zero", "floor")
TOPSIS_NORMALISATIONS = ("vector", "minmax")
TOPSIS_WEIGHTS_IN = ("matrix", "distance")
GRADING_METHODS = ("bands", "percentiles")
ENTITY_KINDS = ("enterprise", "region")
# Columns of a run's results besides the nodes' scores; tiers may read them, nodes may not be named so.
RESULT_COLUMNS = ("id", "name", "population", "rank", "grade", "grade_name", "grade_reason", "tier", "reserve_tier")


class SpecError(ValueError):
    """The spec cannot be used; `problems` lists every (place, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{place}: {message}" if place else message for place, message in problems))


@dataclass(frozen=True)
class Normalisation:
    method: str = "minmax"
    range: tuple[float, float] = (0.0, 1.0)  # output range of minmax, goalposts and rank
    low: float | None = None  # goalposts
    high: float | None = None
    benchmark: float | str | None = None  # a number, or a statistic of the data (BENCHMARK_STATISTICS)
    cap: float | None = None  # benchmark: the ratio is capped here (e.g. 3 = at most three times the benchmark)
    target: float | None = None


@dataclass(frozen=True)
class Missing:
    method: str = "none"
    group: str | None = None  # group_mean: the column whose groups give the mean


@dataclass(frozen=True)
class Outliers:
    method: str = "none"
    skew: float = 2.0  # winsorise while |skewness| exceeds this …
    kurtosis: float = 3.5  # … and the excess kurtosis exceeds this,
    max_points: int = 5  # but at most this many points


@dataclass(frozen=True)
class Leaf:
    code: str
    name: str
    column: str
    per: str | None = None  # the denominator column
    multiplier: float = 1.0
    unit: str = ""
    polarity: str = "positive"
    weight: float | None = None
    missing: Missing = Missing()
    outliers: Outliers = Outliers()
    normalise: Normalisation = Normalisation()

    @property
    def children(self) -> tuple[()]:
        return ()

    @property
    def columns(self) -> set[str]:
        return {self.column} | ({self.per} if self.per else set())


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    children: tuple[Node | Leaf, ...]
    weight: float | None = None
    aggregation: str = "arithmetic"
    weighting: str = "fixed"
    renormalise: bool = True  # weights renormalised over the children with a value
    scale: float = 1.0  # the aggregate is multiplied by this (100 for a 0-100 score from 0-1 parts)
    zeros: str = "zero"  # geometric: a zero child gives 0, or is raised to `floor`
    floor: float = 1e-6
    topsis_normalisation: str = "vector"
    topsis_weights_in: str = "matrix"  # weights applied to the matrix (standard) or inside the distance

    def walk(self) -> list[Node | Leaf]:
        """This node and every node below it, parents before children."""
        found: list[Node | Leaf] = [self]
        for child in self.children:
            found.extend(child.walk() if isinstance(child, Node) else [child])
        return found

    def leaves(self) -> list[Leaf]:
        return [n for n in self.walk() if isinstance(n, Leaf)]


@dataclass(frozen=True)
class ClassBand:
    grade: str
    min_score: float | None = None  # bands: the score from which the class starts
    top: float | None = None  # percentiles: the class holds ranks up to this share of the population


@dataclass(frozen=True)
class Override:
    when: Condition
    grade: str | None  # None: not graded
    reason: str
    rank: bool = True  # False: left out of ranks and percentile cut-offs (e.g. start-ups)


@dataclass(frozen=True)
class Grading:
    method: str
    classes: tuple[ClassBand, ...]
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class Population:
    code: str
    name: str
    when: Condition | None
    tree: Node
    grading: Grading | None


@dataclass(frozen=True)
class Tier:
    code: str
    name: str
    requires: Condition
    reserve: Condition | None = None


@dataclass(frozen=True)
class GradeClass:
    code: str
    name: str
    name_en: str = ""


@dataclass(frozen=True)
class Uncertainty:
    runs: int = 1000
    seed: int = 20261122
    weight_spread: float = 0.25  # each weight times a factor drawn from [1 - spread, 1 + spread] …
    weight_levels: int = 8  # … from this many perturbed weight sets per node (a discrete factor)
    normalisations: tuple[str, ...] = ()
    aggregations: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    version: str
    entity: str
    populations: tuple[Population, ...]
    name_en: str = ""
    description: str = ""
    id_column: str = "id"
    name_column: str | None = None
    rank_within: tuple[str, ...] = ()
    classes: tuple[GradeClass, ...] = ()
    tiers: tuple[Tier, ...] = ()
    policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lists: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    uncertainty: Uncertainty | None = None
    digest: str = ""  # sha256 of the parsed content: the spec's identity in stored runs

    def nodes(self) -> list[Node | Leaf]:
        """Every node of every population's tree, first occurrence of each code."""
        seen: dict[str, Node | Leaf] = {}
        for population in self.populations:
            for node in population.tree.walk():
                seen.setdefault(node.code, node)
        return list(seen.values())

    @property
    def input_columns(self) -> set[str]:
        """The columns a data table must provide (others are ignored). Conditions of tiers may also read
        node scores and result columns (grade, rank), which are not inputs."""
        leaves: set[str] = set(self.rank_within)
        conditions: set[str] = set()
        for population in self.populations:
            for leaf in population.tree.leaves():
                leaves |= leaf.columns | ({leaf.missing.group} if leaf.missing.group else set())
            if population.when:
                conditions |= population.when.columns
            for override in population.grading.overrides if population.grading else ():
                conditions |= override.when.columns
        for tier in self.tiers:
            conditions |= tier.requires.columns | (tier.reserve.columns if tier.reserve else set())
        return leaves | (conditions - {n.code for n in self.nodes()} - set(RESULT_COLUMNS))
