"""Statistical audit of a run (OECD/JRC Handbook, step 4-6): is the index coherent?

Per population: data availability per indicator; correlations between indicator scores and of every node
with its parent; Cronbach's alpha of each inner node's children; the share of variance explained by the
principal components of each inner node's children and of all indicators.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .methods import cronbach_alpha, pca_explained
from .model import LeafModel, NodeModel
from .run import Evaluation, PopulationRun


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    both = ~(np.isnan(a) | np.isnan(b))
    if both.sum() < 3 or a[both].std() == 0 or b[both].std() == 0:
        return None
    return float(np.corrcoef(a[both], b[both])[0, 1])


def _population(run: PopulationRun) -> dict[str, Any]:
    scores = run.outputs.scores
    leaves = [m for m in run.model.walk() if isinstance(m, LeafModel)]
    inner = [m for m in run.model.walk() if isinstance(m, NodeModel)]
    codes = [leaf.code for leaf in leaves]
    matrix = [[_correlation(scores[a], scores[b]) for b in codes] for a in codes]
    with_parent = {
        child.code: _correlation(scores[child.code], scores[node.code]) for node in inner for child in node.children
    }
    return {
        "entities": len(run.rows),
        "availability": {leaf.code: float(np.mean(~np.isnan(run.outputs.raw[leaf.code]))) for leaf in leaves},
        "correlations": {"codes": codes, "matrix": matrix},
        "with_parent": with_parent,
        "cronbach_alpha": {
            node.code: cronbach_alpha(np.column_stack([scores[c.code] for c in node.children])) for node in inner
        },
        "pca_explained": {
            node.code: pca_explained(np.column_stack([scores[c.code] for c in node.children])) for node in inner
        },
        "pca_all_indicators": pca_explained(np.column_stack([scores[c] for c in codes])) if codes else [],
    }


def audit(evaluation: Evaluation) -> dict[str, Any]:
    return {code: _population(run) for code, run in evaluation.populations.items() if len(run.rows)}
