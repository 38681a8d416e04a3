"""A spec's tree, fitted to one population and applied to rows.

Fitting learns everything the data decides — imputation means, winsorisation caps, normalisation bounds,
benchmarks, data-driven weights, TOPSIS ideal points — and `apply` scores any rows with those parameters
held fixed. A run fits and applies to the population; the what-if applies the same fitted model to an
edited row, so one entity's change does not move everyone else's yardstick.

Per leaf the pipeline is: value (÷ denominator × multiplier) → impute (group mean or zero) → winsorise →
normalise (with polarity) → impute the score (population mean of the score). Per node: weights (fixed, equal,
entropy, CRITIC) → aggregate (arithmetic, geometric, TOPSIS) → × scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from . import methods
from .spec import Leaf, Node, Normalisation


class EvaluationError(ValueError):
    """The data cannot be evaluated with this spec (shown to the user as is)."""


@dataclass(frozen=True)
class Variant:
    """Alternative assumptions for the uncertainty analysis; the defaults reproduce the spec."""

    weight_factors: Mapping[str, np.ndarray] = field(default_factory=dict)  # node code → one factor per child
    normalisation: str | None = None
    aggregation: str | None = None
    missing: str | None = None


@dataclass
class Outputs:
    scores: dict[str, np.ndarray] = field(default_factory=dict)  # every node's score
    values: dict[str, np.ndarray] = field(default_factory=dict)  # leaves: the value after imputation and caps
    raw: dict[str, np.ndarray] = field(default_factory=dict)  # leaves: the value as the data gave it

    def merge(self, other: Outputs) -> None:
        self.scores.update(other.scores)
        self.values.update(other.values)
        self.raw.update(other.raw)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    column = frame[name]
    if not pd.api.types.is_numeric_dtype(column):
        column = pd.to_numeric(column, errors="coerce")
    return column.to_numpy(dtype=float)


def what_if_column(leaf_code: str) -> str:
    """The column that, when present, replaces a leaf's value (used by the what-if)."""
    return f"__value__{leaf_code}"


class LeafModel:
    def __init__(self, leaf: Leaf, variant: Variant) -> None:
        self.leaf = leaf
        self.normalisation = _override_normalisation(leaf.normalise, variant.normalisation)
        self.missing = leaf.missing.method
        if variant.missing and (variant.missing != "group_mean" or leaf.missing.group):
            self.missing = variant.missing
        self.params: dict[str, Any] = {}

    @property
    def code(self) -> str:
        return self.leaf.code

    @property
    def negative(self) -> bool:
        return self.leaf.polarity == "negative"

    def raw(self, frame: pd.DataFrame) -> np.ndarray:
        replaced = what_if_column(self.leaf.code)
        if replaced in frame.columns:  # a what-if sets this leaf's value directly
            return _column(frame, replaced)
        value = _column(frame, self.leaf.column) * self.leaf.multiplier
        if self.leaf.per:
            denominator = _column(frame, self.leaf.per)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(denominator > 0, value / denominator, np.nan)
        return value

    def fit(self, frame: pd.DataFrame) -> Outputs:
        raw = self.raw(frame)
        p = self.params
        if self.missing == "group_mean":
            groups = frame[self.leaf.missing.group].astype(str).to_numpy()
            known = pd.Series(raw).groupby(groups).mean()
            p["group_means"] = known.dropna().to_dict()
            p["overall_mean"] = float(np.nanmean(raw)) if np.isfinite(raw).any() else np.nan
        value = self._impute(frame, raw)
        if self.leaf.outliers.method == "winsorise":
            o = self.leaf.outliers
            p["caps"] = methods.winsor_limits(value, o.skew, o.kurtosis, o.max_points)
        value = self._cap(value)
        self._fit_normalisation(frame, value)
        score = self._normalise(value)
        if self.missing == "score_mean":
            p["score_mean"] = float(np.nanmean(score)) if np.isfinite(score).any() else np.nan
        return self._outputs(raw, value, score)

    def apply(self, frame: pd.DataFrame) -> Outputs:
        raw = self.raw(frame)
        value = self._cap(self._impute(frame, raw))
        return self._outputs(raw, value, self._normalise(value))

    def _outputs(self, raw: np.ndarray, value: np.ndarray, score: np.ndarray) -> Outputs:
        if self.missing == "score_mean":
            score = np.where(np.isnan(score), self.params["score_mean"], score)
        code = self.leaf.code
        return Outputs(scores={code: score}, values={code: value}, raw={code: raw})

    def _impute(self, frame: pd.DataFrame, raw: np.ndarray) -> np.ndarray:
        if self.missing == "zero":
            return np.where(np.isnan(raw), 0.0, raw)
        if self.missing == "group_mean":
            groups = frame[self.leaf.missing.group].astype(str)
            means = groups.map(self.params["group_means"]).to_numpy(dtype=float)
            fallback = np.where(np.isnan(means), self.params["overall_mean"], means)
            return np.where(np.isnan(raw), fallback, raw)
        return raw

    def _cap(self, value: np.ndarray) -> np.ndarray:
        if "caps" not in self.params:
            return value
        low, high = self.params["caps"]
        return np.clip(value, low, high)

    def _fit_normalisation(self, frame: pd.DataFrame, value: np.ndarray) -> None:
        n, p = self.normalisation, self.params
        known = value[~np.isnan(value)]
        if n.method in ("minmax", "zscore") and len(known):
            p["low"], p["high"] = float(known.min()), float(known.max())
            p["mean"], p["sd"] = float(known.mean()), float(known.std(ddof=1)) if len(known) > 1 else 0.0
        elif n.method == "rank":
            p["reference"] = np.sort(known)
        elif n.method == "benchmark":
            p["benchmark"] = n.benchmark if isinstance(n.benchmark, float) else self._statistic(frame, value)
            if not p["benchmark"] or np.isnan(p["benchmark"]):
                raise EvaluationError(
                    _("%(code)s: the benchmark is 0 or cannot be computed from the data") % {"code": self.leaf.code}
                )

    def _statistic(self, frame: pd.DataFrame, value: np.ndarray) -> float:
        statistic = self.normalisation.benchmark
        if statistic == "median":
            return float(np.nanmedian(value))
        if statistic == "ratio_of_sums" and self.leaf.per:
            numerator = _column(frame, self.leaf.column) * self.leaf.multiplier
            denominator = _column(frame, self.leaf.per)
            both = ~np.isnan(numerator) & (denominator > 0)
            return float(numerator[both].sum() / denominator[both].sum()) if both.any() else np.nan
        return float(np.nanmean(value))

    def _normalise(self, x: np.ndarray) -> np.ndarray:
        n, p, negative = self.normalisation, self.params, self.negative
        low_out, high_out = n.range
        with np.errstate(divide="ignore", invalid="ignore"):
            if n.method == "none":
                return x.copy()
            if n.method in ("minmax", "goalposts"):
                low, high = (p.get("low", np.nan), p.get("high", np.nan)) if n.method == "minmax" else (n.low, n.high)
                if not high > low:  # one value for everybody: everybody in the middle
                    return np.where(np.isnan(x), np.nan, (low_out + high_out) / 2)
                share = (np.clip(x, low, high) - low) / (high - low)
                return low_out + (high_out - low_out) * (1 - share if negative else share)
            if n.method == "zscore":
                z = (x - p.get("mean", np.nan)) / p["sd"] if p.get("sd") else np.where(np.isnan(x), np.nan, 0.0)
                return -z if negative else z
            if n.method == "rank":
                return self._percentile(x)
            if n.method == "benchmark":
                ratio = p["benchmark"] / x if negative else x / p["benchmark"]
                if negative:
                    ratio = np.where(x <= 0, n.cap if n.cap else np.inf, ratio)
                return np.minimum(ratio, n.cap) if n.cap else ratio
            ratio = np.where(x <= 0, 1.0, n.target / x) if negative else x / n.target  # target
            return np.where(np.isnan(x), np.nan, np.minimum(ratio, 1.0))

    def _percentile(self, x: np.ndarray) -> np.ndarray:
        """Share of the population strictly worse, scaled to the output range (best 1, worst 0)."""
        reference = self.params["reference"]
        low_out, high_out = self.normalisation.range
        if len(reference) < 2:
            return np.where(np.isnan(x), np.nan, (low_out + high_out) / 2)
        if self.negative:
            worse = len(reference) - np.searchsorted(reference, x, side="right")
        else:
            worse = np.searchsorted(reference, x, side="left")
        share = np.clip(worse / (len(reference) - 1), 0, 1)
        return np.where(np.isnan(x), np.nan, low_out + (high_out - low_out) * share)


def _override_normalisation(own: Normalisation, method: str | None) -> Normalisation:
    """The leaf's normalisation with another method, where that method has what it needs."""
    if method is None or method == own.method:
        return own
    if method == "goalposts" and (own.low is None or own.high is None):
        return own
    if method == "target" and not own.target:
        return own
    benchmark = own.benchmark if own.benchmark is not None else "mean"
    return Normalisation(method, own.range, own.low, own.high, benchmark, own.cap, own.target)


class NodeModel:
    def __init__(self, node: Node, variant: Variant) -> None:
        self.node = node
        self.children = [NodeModel(c, variant) if isinstance(c, Node) else LeafModel(c, variant) for c in node.children]
        self.aggregation = variant.aggregation or node.aggregation
        self.factors = variant.weight_factors.get(node.code)
        self.weights = np.ones(len(self.children))
        self.topsis: methods.TopsisFit | None = None

    def fit(self, frame: pd.DataFrame) -> Outputs:
        outputs = Outputs()
        for child in self.children:
            outputs.merge(child.fit(frame))
        self.weights = self._fit_weights(outputs)
        if self.aggregation == "topsis":
            try:
                negative, inputs = self._negative(), self._topsis_inputs(outputs)
                self.topsis = methods.TopsisFit(inputs, negative, self.node.topsis_normalisation)
            except ValueError as exc:
                raise EvaluationError(f"{self.node.code}: {exc}") from exc
        outputs.scores[self.node.code] = self._combine(outputs)
        return outputs

    def apply(self, frame: pd.DataFrame) -> Outputs:
        outputs = Outputs()
        for child in self.children:
            outputs.merge(child.apply(frame))
        outputs.scores[self.node.code] = self._combine(outputs)
        return outputs

    def _negative(self) -> np.ndarray:
        """TOPSIS' cost columns: leaves kept in their own units with negative polarity."""
        return np.array(
            [isinstance(c, LeafModel) and c.normalisation.method == "none" and c.negative for c in self.children]
        )

    def _topsis_inputs(self, outputs: Outputs) -> np.ndarray:
        columns = [
            outputs.values[c.leaf.code] if isinstance(c, LeafModel) and c.normalisation.method == "none"
            else outputs.scores[c.code]
            for c in self.children
        ]  # fmt: skip
        return np.column_stack(columns)

    def _weight_inputs(self, outputs: Outputs) -> np.ndarray:
        columns = [
            outputs.values[c.leaf.code] if isinstance(c, LeafModel) else outputs.scores[c.code] for c in self.children
        ]
        matrix = np.column_stack(columns)
        return matrix[~np.isnan(matrix).any(axis=1)]

    def _fit_weights(self, outputs: Outputs) -> np.ndarray:
        weighting = self.node.weighting
        if weighting == "fixed":
            weights = np.array([c.weight for c in self.node.children], dtype=float)
        elif weighting == "equal":
            weights = np.ones(len(self.children))
        else:
            matrix = self._weight_inputs(outputs)
            negative = np.array([isinstance(c, LeafModel) and c.negative for c in self.children])
            if matrix.shape[0] < 2:
                raise EvaluationError(
                    _("%(code)s: %(weighting)s weights need at least two complete rows")
                    % {"code": self.node.code, "weighting": weighting}
                )
            if weighting == "critic":
                weights = methods.critic_weights(matrix, negative)
            elif weighting == "entropy_minmax":
                weights = methods.entropy_weights(methods.positivise_minmax(matrix, negative))
            else:
                if (matrix < 0).any():
                    raise EvaluationError(
                        _("%(code)s: entropy_raw needs non-negative values; use entropy_minmax")
                        % {"code": self.node.code}
                    )
                weights = methods.entropy_weights(matrix)
        if self.factors is not None:
            weights = weights * self.factors
        if weights.sum() <= 0:
            raise EvaluationError(_("%(code)s: the weights add up to 0") % {"code": self.node.code})
        return weights / weights.sum()

    def _combine(self, outputs: Outputs) -> np.ndarray:
        node = self.node
        if self.aggregation == "topsis":
            assert self.topsis is not None
            result = self.topsis.closeness(self._topsis_inputs(outputs), self.weights, node.topsis_weights_in)
            return result * node.scale
        matrix = np.column_stack([outputs.scores[c.code] for c in self.children])
        if self.aggregation == "geometric":
            try:
                result = methods.weighted_geometric(matrix, self.weights, node.renormalise, node.zeros, node.floor)
            except ValueError as exc:
                raise EvaluationError(f"{node.code}: {exc}") from exc
        else:
            result = methods.weighted_arithmetic(matrix, self.weights, node.renormalise)
        return result * node.scale

    @property
    def code(self) -> str:
        return self.node.code

    def walk(self) -> list[NodeModel | LeafModel]:
        found: list[NodeModel | LeafModel] = [self]
        for child in self.children:
            found.extend(child.walk() if isinstance(child, NodeModel) else [child])
        return found


def fitted_weights(model: NodeModel) -> dict[str, dict[str, float]]:
    """Node code → child code → the weight used (normalised to sum 1): stored with a run, shown in explanations."""
    return {
        m.code: {c.code: float(w) for c, w in zip(m.children, m.weights, strict=True)}
        for m in model.walk()
        if isinstance(m, NodeModel)
    }
