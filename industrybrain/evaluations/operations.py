"""Evaluation operations: loading specs, running and storing evaluations, reading results back.

Called alike by the API, the pages, the CLI and the demo. A stored run is immutable: its results and inputs
are Parquet files written once; everything shown later (rankings, explanations, exports, comparisons) is read
from them, and `verify_run` recomputes a run from its stored inputs and spec text to prove it reproduces.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

import industrybrain
from industrybrain.accounts.choices import Role
from industrybrain.analytics.evaluation import audit as audit_module
from industrybrain.analytics.evaluation import explain as explain_module
from industrybrain.analytics.evaluation import sources, uncertainty
from industrybrain.analytics.evaluation.model import EvaluationError, fitted_weights
from industrybrain.analytics.evaluation.parsing import load_spec_text
from industrybrain.analytics.evaluation.run import Evaluation, evaluate
from industrybrain.analytics.evaluation.spec import Spec, SpecError
from industrybrain.registry.models import Enterprise, Region

from .models import EvaluationRun, EvaluationSpec

SHIPPED_SPECS = Path(__file__).parent / "specs"
# Bumped whenever a change to analytics/evaluation could change a result: runs record it.
ENGINE_VERSION = f"{industrybrain.__version__}+eval.1"


# --- specs -----------------------------------------------------------------------------------------------
def may_add_spec(user: Any, code: str) -> bool:
    """Analysts and administrators publish new specs. A new version of an existing one is for whoever
    published that code before, or for province-wide administrators; a shipped spec only for the latter —
    a county changes a shipped method by copying it under its own code."""
    if user is None:  # the system itself: migrations and the demo
        return True
    if not getattr(user, "can_edit_master_data", False):
        return False
    versions = EvaluationSpec.objects.filter(code=code)
    if not versions.exists() or user.can_manage_reference_data:
        return True
    return not versions.filter(is_shipped=True).exists() and versions.filter(created_by=user).exists()


def add_spec(text: str, user: Any = None, shipped: bool = False) -> EvaluationSpec:
    """Store a spec version (SpecError lists every problem). The same content twice is one row."""
    spec = load_spec_text(text)
    found = EvaluationSpec.objects.filter(code=spec.code, digest=spec.digest).first()
    if found:
        return found
    if not may_add_spec(user, spec.code):
        raise PermissionDenied(
            _("Only province-wide administrators may publish a new version of %(code)s; copy it under a new code.")
            % {"code": spec.code}
        )
    return EvaluationSpec.objects.create(
        code=spec.code, version=spec.version, name=spec.name, name_en=spec.name_en, entity=spec.entity,
        text=text, digest=spec.digest, is_shipped=shipped, created_by=user if getattr(user, "pk", None) else None,
    )  # fmt: skip


def load_shipped_specs() -> list[EvaluationSpec]:
    return [add_spec(path.read_text(encoding="utf-8"), shipped=True) for path in sorted(SHIPPED_SPECS.glob("*.yaml"))]


def current_spec(code: str) -> EvaluationSpec:
    """The newest version of a spec, by code."""
    found = EvaluationSpec.objects.filter(code=code).order_by("-created", "-id").first()
    if found is None:
        known = ", ".join(sorted(set(EvaluationSpec.objects.values_list("code", flat=True))))
        raise EvaluationError(_("unknown evaluation spec %(code)s (known: %(known)s)") % {"code": code, "known": known})
    return found


def shipped_spec_path(name: str) -> Path | None:
    """A shipped spec by its code or file name, for the CLI (`evaluate mu_efficiency --data …`)."""
    candidate = SHIPPED_SPECS / (name if name.endswith(".yaml") else f"{name}.yaml")
    return candidate if candidate.exists() else None


# --- running -------------------------------------------------------------------------------------------
def may_run(user: Any, region: Region, spec: Spec | None = None) -> bool:
    """Analysts and administrators run evaluations over their own subtree. A region index (which compares
    the counties of a province) may also be run over a region containing theirs; `spec` None asks whether any
    evaluation may be run there."""
    if user is None or getattr(user, "is_superuser", False):
        return True
    if not getattr(user, "can_edit_master_data", False) or user.scope_park_id or user.scope_path is None:
        return False
    inside = region.path.startswith(user.scope_path)
    around = user.scope_path.startswith(region.path)
    return inside or (around and (spec is None or spec.entity == "region"))


def newest_specs() -> list[EvaluationSpec]:
    """The newest version of every spec code, by code."""
    newest: dict[str, EvaluationSpec] = {}
    for spec in EvaluationSpec.objects.order_by("code", "-created", "-id"):
        newest.setdefault(spec.code, spec)
    return list(newest.values())


def default_region(spec: Spec, user: Any) -> Region:
    """Enterprises: the top of the user's scope. Regions: the province, since an index compares counties."""
    if spec.entity == "region" or user is None or user.scope_path is None:
        return Region.objects.filter(parent__isnull=True).order_by("code").first()  # type: ignore[return-value]
    return Region.objects.get(code=user.scope_path.strip("/").split("/")[-1])


def json_safe(value: Any) -> Any:
    """NaN and infinities become None, numpy scalars plain numbers: JSON fields and responses accept it."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _summary(evaluation: Evaluation) -> dict[str, Any]:
    table = evaluation.table
    summary: dict[str, Any] = {"populations": {}}
    for code, run in evaluation.populations.items():
        part = table.iloc[run.rows]
        grades = part["grade"].fillna("—").value_counts().to_dict() if "grade" in part else {}
        summary["populations"][code] = {"name": run.population.name, "entities": len(run.rows), "grades": grades}
    if "tier" in table:
        summary["tiers"] = table.loc[table["tier"] != "", "tier"].value_counts().to_dict()
        summary["reserve_tiers"] = table.loc[table["reserve_tier"] != "", "reserve_tier"].value_counts().to_dict()
    summary["not_evaluated"] = int((table["population"] == "").sum())
    return json_safe(summary)


def _table_digest(frame: pd.DataFrame) -> str:
    """A given table's identity, for runs over data that did not come from the store."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    return "table:" + hashlib.sha256(hashed + ",".join(map(str, frame.columns)).encode()).hexdigest()[:16]


def _weights(evaluation: Evaluation) -> dict[str, Any]:
    return {code: fitted_weights(p.model) for code, p in evaluation.populations.items() if len(p.rows)}


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write beside, then rename: a crash leaves no half file under the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    frame.to_parquet(partial, index=False)
    os.replace(partial, path)


def run_evaluation(
    spec_row: EvaluationSpec, region: Region, year: int, user: Any = None, data: pd.DataFrame | None = None,
    with_uncertainty: bool = True,
) -> EvaluationRun:  # fmt: skip
    """Evaluate `spec_row` over the data hub's `year` for `region` (or over `data`), and store the run."""
    spec = spec_row.parsed
    if not may_run(user, region, spec):
        raise PermissionDenied(_("You may not run evaluations for %(region)s.") % {"region": region.name})
    frame = sources.table_for(spec, region, year) if data is None else data
    if frame.empty:
        raise EvaluationError(
            _("There is nothing to evaluate: no %(kind)s in %(region)s.") % {"kind": spec.entity, "region": region.name}
        )
    evaluation = evaluate(spec, frame)
    results = evaluation.table
    analysis: dict[str, Any] = {}
    if with_uncertainty and spec.uncertainty:
        analysis = uncertainty.analyse(evaluation)
        intervals = analysis.pop("entities")
        intervals = intervals.set_index(results.index)
        results = results.assign(**{c: intervals[c] for c in ("median_rank", "rank_p5", "rank_p95")})
    version, as_of = sources.data_version() if data is None else (_table_digest(evaluation.frame), "")
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            spec=spec_row, spec_digest=spec.digest, period=str(year), region=region,
            source="hub" if data is None else "file", data_version=version, data_as_of=as_of,
            engine_version=ENGINE_VERSION, created_by=user if getattr(user, "pk", None) else None,
            entities=len(results), summary=_summary(evaluation),
            weights=json_safe(_weights(evaluation)),
            audit=json_safe(audit_module.audit(evaluation)), uncertainty=json_safe(analysis),
        )  # fmt: skip
        _write_parquet(evaluation.frame, run.inputs_path)
        _write_parquet(results, run.results_path)
    return run


# --- reading back ----------------------------------------------------------------------------------------
@lru_cache(maxsize=16)
def _results(path: str, _mtime: float) -> pd.DataFrame:
    return pd.read_parquet(path)


def results(run: EvaluationRun) -> pd.DataFrame:
    """The run's stored results table (cached: runs never change)."""
    path = run.results_path
    if not path.exists():
        raise EvaluationError(
            _("The results of run %(id)s are missing from %(dir)s.") % {"id": run.pk, "dir": path.parent}
        )
    return _results(str(path), path.stat().st_mtime)


@lru_cache(maxsize=4)
def _evaluation(run_id: int, digest: str, inputs: str) -> Evaluation:
    spec = EvaluationSpec.objects.filter(digest=digest).first()
    if spec is None:
        raise EvaluationError(_("The spec of run %(id)s is no longer stored.") % {"id": run_id})
    return evaluate(spec.parsed, pd.read_parquet(inputs))


def evaluation_of(run: EvaluationRun) -> Evaluation:
    """The run recomputed from its stored inputs (for explanations, which need the fitted model)."""
    return _evaluation(run.pk, run.spec_digest, str(run.inputs_path))


def verify_run(run: EvaluationRun) -> dict[str, Any]:
    """Recompute the run from its stored inputs and spec; say whether every stored number is reproduced."""
    stored = results(run)
    again = evaluate(load_spec_text(run.spec.text), pd.read_parquet(run.inputs_path)).table
    columns = [c for c in again.columns if c in stored.columns]
    differing = [c for c in columns if not again[c].reset_index(drop=True).equals(stored[c].reset_index(drop=True))]
    return {
        "identical": not differing and run.spec.digest == run.spec_digest,
        "differing_columns": differing,
        "spec_digest": run.spec_digest,
        "engine_version_then": run.engine_version,
        "engine_version_now": ENGINE_VERSION,
    }


def visible_results(run: EvaluationRun, user: Any) -> pd.DataFrame:
    """The run's rows this user may see: enterprises only their own visible ones; regions all."""
    table = results(run)
    if run.spec.entity == "region" or getattr(user, "is_superuser", False):
        return table
    scope = getattr(user, "scope_path", None)
    if scope and not user.scope_park_id and user.role != Role.ENTERPRISE and run.region.path.startswith(scope):
        # a run over a region inside the user's subtree holds only enterprises registered or operating there, all
        # of which the user sees: no need to send 100,000 codes to the database (a second at province scale)
        return table
    visible = set(Enterprise.objects.visible_to(user).values_list("uscc", flat=True))
    return table[[code in visible for code in table["id"]]]


def with_score(run: EvaluationRun, table: pd.DataFrame) -> pd.DataFrame:
    """The table with a `score` column: each row's root score (populations may name their roots differently)."""
    score = pd.Series(np.nan, index=table.index)
    for population in run.spec.parsed.populations:
        root = population.tree.code
        if root in table.columns:
            rows = table["population"] == population.code
            score[rows] = table.loc[rows, root]
    return table.assign(score=score)


def _code_text(value: Any) -> str:
    """A group value as text: 331082, not 331082.0 (codes read from a file may arrive as numbers)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


@lru_cache(maxsize=16)
def _groups(path: str, _mtime: float, id_column: str, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.read_parquet(path, columns=[id_column, *columns])
    return pd.DataFrame({"id": frame[id_column].astype(str), **{c: frame[c].map(_code_text) for c in columns}})


def group_values(run: EvaluationRun) -> pd.DataFrame:
    """id and each `rank_within` column (e.g. county) of every entity, read from the run's stored inputs."""
    spec = run.spec.parsed
    path = run.inputs_path
    if not spec.rank_within or not path.exists():
        return pd.DataFrame({"id": pd.Series(dtype=str)})
    return _groups(str(path), path.stat().st_mtime, spec.id_column, tuple(spec.rank_within))


def previous_run(run: EvaluationRun) -> EvaluationRun | None:
    """The latest run of the same spec code over the same region for an earlier period."""
    return (
        EvaluationRun.objects.filter(spec__code=run.spec.code, region=run.region, period__lt=run.period)
        .order_by("-period", "-created", "-id")
        .first()
    )


def explain(run: EvaluationRun, entity_id: str, user: Any) -> dict[str, Any]:
    """An entity's grade with its explanation; PermissionDenied/LookupError as the pages and API expect."""
    table = visible_results(run, user)
    if entity_id not in set(table["id"]):
        raise LookupError(entity_id)
    before = previous_run(run)
    previous = None
    if before is not None:
        earlier = results(before)
        match = earlier[earlier["id"] == entity_id]
        previous = match.iloc[0].to_dict() if len(match) else None
    explained = explain_module.explain(evaluation_of(run), entity_id, previous)
    row = table[table["id"] == entity_id].iloc[0]
    for column in ("median_rank", "rank_p5", "rank_p95"):
        if column in row:
            explained[column] = row[column]
    explained["previous_run"] = before.pk if before else None
    return json_safe(explained)


def compare(first: EvaluationRun, second: EvaluationRun, user: Any) -> pd.DataFrame:
    """Side by side: every entity in either run with score, rank and grade in each, and the changes."""
    if first.spec.code != second.spec.code:
        raise EvaluationError(_("Only runs of the same evaluation can be compared."))
    keep = ["id", "name", "population", "score", "rank", "grade"]
    a = with_score(first, visible_results(first, user))
    b = with_score(second, visible_results(second, user))
    # Every column on both sides, so that ungraded specs (indices) compare too.
    left = a.reindex(columns=[c for c in keep if c in a.columns or c == "grade"])
    right = b.reindex(columns=[c for c in keep if c in b.columns or c == "grade"])
    merged = left.merge(right, on="id", how="outer", suffixes=("_a", "_b"))
    merged["rank_change"] = merged["rank_a"] - merged["rank_b"]  # > 0: moved up in the second run
    # an ungraded index has no grades: all-missing columns are floats, compared as text here
    merged["grade_changed"] = merged["grade_a"].astype(object).fillna("") != merged["grade_b"].astype(object).fillna("")
    return merged.sort_values(["rank_b", "rank_a"], na_position="last").reset_index(drop=True)


__all__ = ["EvaluationError", "SpecError"]


def enterprise_grades(uscc: str, runs: Iterable[EvaluationRun]) -> list[dict[str, Any]]:
    """What each of `runs` gave one enterprise (score, rank among how many, ranks within groups, grade, tiers),
    for the runs that scored it, in the order given. Which runs a user may see is the caller's filter."""
    found = []
    for run in runs:
        try:
            table = results(run)
        except EvaluationError:  # a run whose files are gone says nothing about anyone
            continue
        match = table[table["id"].astype(str) == uscc]
        if match.empty or not match.iloc[0]["population"]:
            continue  # not in the run, or in none of its populations (e.g. no maturity questionnaire)
        row = with_score(run, match).iloc[0].to_dict()
        spec = run.spec.parsed
        peers = table[table["population"] == row["population"]]
        ranked = int(peers["rank"].notna().sum()) if "rank" in peers else 0
        tiers = {t.code: t.name for t in spec.tiers}
        tier, reserve = row.get("tier") or "", row.get("reserve_tier") or ""
        found.append(json_safe({
            "run": run.pk, "spec": spec.code, "spec_name": spec.name, "spec_name_en": spec.name_en,
            "period": run.period, "region": run.region_id, "region_name": run.region.name,
            "population": row["population"],
            "population_name": {p.code: p.name for p in spec.populations}.get(row["population"], row["population"]),
            "score": row["score"], "rank": _whole(row.get("rank")), "ranked": ranked,
            "ranks_within": {g: _whole(row.get(f"rank_{g}")) for g in spec.rank_within},
            "grade": row.get("grade"), "grade_name": row.get("grade_name") or "",
            "grade_reason": row.get("grade_reason") or "",
            "tier": tier, "tier_name": tiers.get(tier, ""),
            "reserve_tier": reserve, "reserve_tier_name": tiers.get(reserve, ""),
        }))  # fmt: skip
    return found


def _whole(value: Any) -> int | None:
    """A rank read from a results table (a float, NaN when unranked) as an int or None."""
    return None if value is None or pd.isna(value) else int(value)
