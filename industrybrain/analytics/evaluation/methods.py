"""The numerical methods of composite indicators, as small pure functions over numpy arrays.

Missing values are NaN throughout. Matrices are (entities × indicators). Formulas follow
reference/DOMAIN.md §6 and the OECD/JRC Handbook on Constructing Composite Indicators (2008); where the
literature has variants, the function names the one it computes (docs/evaluations.md).
"""

from __future__ import annotations

import numpy as np
from django.utils.translation import gettext as _


def min_rank(scores: np.ndarray, descending: bool = True) -> np.ndarray:
    """Competition ranks (1, 2, 2, 4): one plus the number of strictly better scores; NaN stays unranked."""
    values = np.asarray(scores, dtype=float)
    ranks = np.full(values.shape, np.nan)
    known = ~np.isnan(values)
    ordered = np.sort(values[known])
    if descending:
        ranks[known] = len(ordered) - np.searchsorted(ordered, values[known], side="right") + 1
    else:
        ranks[known] = np.searchsorted(ordered, values[known], side="left") + 1
    return ranks


def positivise_minmax(matrix: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1] per column, flipped for negative (cost) columns; a constant column gives 0."""
    low, high = np.nanmin(matrix, axis=0), np.nanmax(matrix, axis=0)
    spread = np.where(high > low, high - low, np.inf)
    scaled = (matrix - low) / spread
    return np.where(negative, 1 - scaled, scaled) * (high > low)


def entropy_weights(matrix: np.ndarray, shift: float = 0.0) -> np.ndarray:
    """Entropy weights from non-negative columns: p_ij = x_ij / Σ_i x_ij, e_j = -Σ p ln p / ln m (0·ln 0 = 0),
    w_j = (1 - e_j) / Σ (1 - e_k). `shift` is added to every value first (some authors add 1e-4 or rescale
    to [0.002, 1] to avoid ln 0). Columns without information (all equal) get weight 0; if none has any, equal."""
    x = np.asarray(matrix, dtype=float) + shift
    if np.any(x < 0):
        raise ValueError(_("entropy weights need non-negative values (use the min-max variant for others)"))
    m = x.shape[0]
    totals = x.sum(axis=0)
    p = np.divide(x, totals, out=np.full_like(x, 1.0 / m), where=totals > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(m) if m > 1 else np.ones(x.shape[1])
    divergence = np.clip(1 - entropy, 0, None)
    if divergence.sum() <= 1e-15:
        return np.full(x.shape[1], 1.0 / x.shape[1])
    return divergence / divergence.sum()


def critic_weights(matrix: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """CRITIC (Diakoulaki et al. 1995): on min-max positivised columns, C_j = σ_j Σ_k (1 - r_jk), w = C / ΣC.
    σ is the sample standard deviation; a constant column has σ = 0 and correlation 0 with the others."""
    scaled = positivise_minmax(np.asarray(matrix, dtype=float), negative)
    sigma = scaled.std(axis=0, ddof=1) if scaled.shape[0] > 1 else np.zeros(scaled.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.nan_to_num(np.corrcoef(scaled, rowvar=False), nan=0.0)
    correlation = np.atleast_2d(correlation)
    np.fill_diagonal(correlation, 1.0)
    information = sigma * (1 - correlation).sum(axis=0)
    if information.sum() <= 1e-15:
        return np.full(scaled.shape[1], 1.0 / scaled.shape[1])
    return information / information.sum()


def skewness(values: np.ndarray) -> float:
    """Sample skewness, adjusted Fisher-Pearson (as Excel SKEW and pandas)."""
    x = values[~np.isnan(values)]
    n = len(x)
    if n < 3 or x.std() == 0:
        return 0.0
    g1 = ((x - x.mean()) ** 3).mean() / x.std() ** 3
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def excess_kurtosis(values: np.ndarray) -> float:
    """Sample excess kurtosis, bias-corrected (as Excel KURT and pandas)."""
    x = values[~np.isnan(values)]
    n = len(x)
    if n < 4 or x.std() == 0:
        return 0.0
    g2 = ((x - x.mean()) ** 4).mean() / x.var() ** 2 - 3
    return float((n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6))


def winsor_limits(values: np.ndarray, skew_limit: float, kurtosis_limit: float, max_points: int) -> tuple[float, float]:
    """(low, high) caps by the JRC rule: while |skewness| > skew_limit and excess kurtosis > kurtosis_limit,
    set the most extreme point on the skewed side to the next value inward; stop after max_points points."""
    x = np.sort(values[~np.isnan(values)])
    low, high = (float(x[0]), float(x[-1])) if len(x) else (-np.inf, np.inf)
    lo_i, hi_i = 0, len(x) - 1
    working = x.copy()
    for _step in range(max_points):
        skew = skewness(working)
        if hi_i - lo_i < 3 or abs(skew) <= skew_limit or excess_kurtosis(working) <= kurtosis_limit:
            break
        if skew > 0:
            hi_i -= 1
            high = float(x[hi_i])
            working = np.minimum(working, high)
        else:
            lo_i += 1
            low = float(x[lo_i])
            working = np.maximum(working, low)
    return low, high


def weighted_arithmetic(values: np.ndarray, weights: np.ndarray, renormalise: bool) -> np.ndarray:
    """Σ w s / Σ w over the children with a value (or NaN when any is missing and renormalise is off)."""
    present = ~np.isnan(values)
    used = np.where(present, weights, 0.0)
    total = used.sum(axis=1)
    sums = np.where(present, values, 0.0) @ weights
    result = np.divide(sums, total, out=np.full(len(values), np.nan), where=total > 0)
    if not renormalise:
        result[~present.all(axis=1)] = np.nan
    return result


def weighted_geometric(
    values: np.ndarray, weights: np.ndarray, renormalise: bool, zeros: str, floor: float
) -> np.ndarray:
    """Π s^(w/Σw). Zeros: "zero" makes the product 0 (a zero anywhere cannot be compensated); "floor" raises
    values below `floor` to it first. Negative inputs are an error (normalise to a positive range first)."""
    if np.nanmin(values, initial=0.0) < 0:
        raise ValueError(_("geometric aggregation needs non-negative children (normalise to e.g. [0, 1] first)"))
    present = ~np.isnan(values)
    used = np.where(present, weights, 0.0)
    total = used.sum(axis=1)
    safe = np.where(present, np.maximum(values, floor) if zeros == "floor" else values, 1.0)
    with np.errstate(divide="ignore"):
        logs = np.where(present, np.log(safe), 0.0)
    exponent = np.divide(logs @ weights, total, out=np.full(len(values), np.nan), where=total > 0)
    result = np.exp(exponent)
    if not renormalise:
        result[~present.all(axis=1)] = np.nan
    return result


def cronbach_alpha(matrix: np.ndarray) -> float | None:
    """α = k/(k-1) (1 - Σ var_j / var(Σ_j x_j)) over rows without a missing value; None below 2 items or 3 rows."""
    rows = matrix[~np.isnan(matrix).any(axis=1)]
    k = rows.shape[1]
    if k < 2 or rows.shape[0] < 3:
        return None
    total_variance = rows.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return None
    return float(k / (k - 1) * (1 - rows.var(axis=0, ddof=1).sum() / total_variance))


def pca_explained(matrix: np.ndarray) -> list[float]:
    """Shares of variance explained by the principal components of the columns' correlation matrix."""
    rows = matrix[~np.isnan(matrix).any(axis=1)]
    if rows.shape[0] < 3 or rows.shape[1] < 2:
        return []
    keep = rows.std(axis=0) > 0
    if keep.sum() < 2:
        return []
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(rows[:, keep], rowvar=False))[::-1]
    eigenvalues = np.clip(eigenvalues, 0, None)
    return [float(v) for v in eigenvalues / eigenvalues.sum()]


class TopsisFit:
    """What TOPSIS learns from the population: each column's normaliser, and the ideal and anti-ideal points.

    Normalisation "vector": r = x / √Σx² (Hwang & Yoon), the ideal being the best column value (max for a
    benefit column, min for a cost column). "minmax": r = positivised min-max, ideal 1 and anti-ideal 0 by
    construction. Weights go onto the matrix (v = w·r, the standard) or inside the distance
    (√Σ w (r - r*)², a variant in use; DOMAIN §6)."""

    def __init__(self, matrix: np.ndarray, negative: np.ndarray, normalisation: str) -> None:
        complete = matrix[~np.isnan(matrix).any(axis=1)]
        if not len(complete):
            raise ValueError(_("TOPSIS needs at least one row with every value"))
        self.negative, self.normalisation = negative, normalisation
        if normalisation == "vector":
            norms = np.sqrt((complete**2).sum(axis=0))
            self.norms = np.where(norms > 0, norms, 1.0)
            scaled = complete / self.norms
            best, worst = scaled.max(axis=0), scaled.min(axis=0)
            self.ideal = np.where(negative, worst, best)
            self.anti_ideal = np.where(negative, best, worst)
        else:
            self.low, self.high = complete.min(axis=0), complete.max(axis=0)
            self.ideal, self.anti_ideal = np.ones(matrix.shape[1]), np.zeros(matrix.shape[1])

    def normalise(self, matrix: np.ndarray) -> np.ndarray:
        if self.normalisation == "vector":
            return matrix / self.norms
        spread = np.where(self.high > self.low, self.high - self.low, np.inf)
        scaled = (matrix - self.low) / spread
        return np.where(self.negative, 1 - scaled, scaled)

    def closeness(self, matrix: np.ndarray, weights: np.ndarray, weights_in: str) -> np.ndarray:
        """C = D⁻ / (D⁺ + D⁻) per row; NaN where a value is missing; a row at both points (all equal) gets 0.5."""
        r = self.normalise(matrix)
        w = weights / weights.sum()
        if weights_in == "matrix":
            best = np.sqrt((((r - self.ideal) * w) ** 2).sum(axis=1))
            worst = np.sqrt((((r - self.anti_ideal) * w) ** 2).sum(axis=1))
        else:
            best = np.sqrt((w * (r - self.ideal) ** 2).sum(axis=1))
            worst = np.sqrt((w * (r - self.anti_ideal) ** 2).sum(axis=1))
        total = best + worst
        result = np.full(len(r), np.nan)
        result[total > 0] = worst[total > 0] / total[total > 0]
        result[total == 0] = 0.5
        return result


def topsis(
    matrix: np.ndarray,
    weights: np.ndarray,
    negative: np.ndarray,
    normalisation: str = "vector",
    weights_in: str = "matrix",
) -> np.ndarray:
    """Closeness to the ideal solution of every row of `matrix`, fitted on the same rows."""
    fit = TopsisFit(np.asarray(matrix, dtype=float), np.asarray(negative, dtype=bool), normalisation)
    return fit.closeness(np.asarray(matrix, dtype=float), np.asarray(weights, dtype=float), weights_in)
