"""The wide table a spec reads, built from the data hub for one year (DESIGN §3: `evaluate` without --data).

Columns a spec may use besides indicator codes from the catalogue:

- enterprises: `uscc`, `name`, `county` (registration county code), `county_name`, `city`, `industry`
  (GB/T 4754 class), `division` (2 digits), `above_scale` (1/0), `age_years` (at the end of the year,
  from the founding date), `registry_land_area` (亩, from the registry);
- regions (every county of the region): `code`, `name`, `city`, `city_name`.

Indicator columns hold the year's value: a flow's annual total, a stock's year-end value, a derived
indicator computed per entity (DESIGN: facts are read only through the analytics facade).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from industrybrain.datahub.models import Indicator
from industrybrain.datahub.periods import Period
from industrybrain.registry.choices import EnterpriseStatus, RegionLevel
from industrybrain.registry.models import Enterprise, Region

from .. import dimensions, statistics
from ..engine import store
from .model import EvaluationError
from .spec import Spec


def data_version() -> tuple[str, str]:
    """(data version, data as of) of the store: a run records them so its inputs can be traced."""
    facts = store()
    return facts.meta("data_version") or "", facts.meta("data_as_of") or ""


def _indicators(spec: Spec, attributes: set[str]) -> dict[str, Indicator]:
    """The catalogue indicators the spec reads; any other column it needs must be one of `attributes`."""
    wanted = spec.input_columns - attributes
    found = {i.code: i for i in Indicator.objects.filter(code__in=wanted)}
    unknown = sorted(wanted - set(found))
    if unknown:
        raise EvaluationError(
            _(
                "the spec reads %(columns)s, which are neither indicators of the catalogue nor columns "
                "the data hub provides (%(provided)s)"
            )
            % {"columns": ", ".join(unknown), "provided": ", ".join(sorted(attributes))}
        )
    return found


def enterprise_table(spec: Spec, region: Region, year: int) -> pd.DataFrame:
    dimensions.ensure_current()
    firms = list(
        Enterprise.objects.filter(region__path__startswith=region.path, status=EnterpriseStatus.OPERATING)
        .order_by("uscc")
        .values(
            "uscc",
            "name",
            "region_id",
            "region__name",
            "region__parent_id",
            "industry_id",
            "is_above_scale",
            "founded_on",
            "land_area_mu",
        )
    )
    year_end = date(year, 12, 31)
    frame = pd.DataFrame(
        {
            "uscc": [f["uscc"] for f in firms],
            "name": [f["name"] for f in firms],
            "county": [f["region_id"] for f in firms],
            "county_name": [f["region__name"] for f in firms],
            "city": [f["region__parent_id"] or "" for f in firms],
            "industry": [f["industry_id"] for f in firms],
            "division": [f["industry_id"][:2] for f in firms],
            "above_scale": [int(f["is_above_scale"]) for f in firms],
            "age_years": [_age(f["founded_on"], year_end) for f in firms],
            "registry_land_area": [
                float(f["land_area_mu"]) if f["land_area_mu"] is not None else np.nan for f in firms
            ],
        }
    )
    period = Period("Y", year, 1)
    for code, indicator in _indicators(spec, set(frame.columns)).items():
        if indicator.level != "enterprise":
            raise EvaluationError(
                _("%(code)s is a region-level indicator; this spec evaluates enterprises") % {"code": code}
            )
        question = statistics.Question(indicator=code, period=period, region=region.code, by=None)
        values = statistics.enterprise_values(question, indicator, period)
        frame[code] = frame["uscc"].map(values).astype(float)
    return frame


def _age(founded: date | None, at: date) -> float:
    return np.nan if founded is None else (at - founded).days / 365.25


def region_table(spec: Spec, region: Region, year: int) -> pd.DataFrame:
    """One row per county in `region`'s subtree; region-level indicators as reported, enterprise-level ones
    rolled up per county by the statistics facade."""
    dimensions.ensure_current()
    counties = list(
        Region.objects.filter(path__startswith=region.path, level=RegionLevel.COUNTY, is_active=True)
        .order_by("code")
        .values("code", "name", "parent_id", "parent__name")
    )
    frame = pd.DataFrame(
        {
            "code": [c["code"] for c in counties],
            "name": [c["name"] for c in counties],
            "city": [c["parent_id"] or "" for c in counties],
            "city_name": [c["parent__name"] or "" for c in counties],
        }
    )
    period = Period("Y", year, 1)
    for code, indicator in _indicators(spec, set(frame.columns)).items():
        frame[code] = frame["code"].map(_county_values(indicator, period, region, frame)).astype(float)
    return frame


def _county_values(indicator: Indicator, period: Period, region: Region, frame: pd.DataFrame) -> dict[str, Any]:
    if indicator.level == "region":
        return statistics.reported_region_values(indicator, period, region)
    found: dict[str, Any] = {}
    for city in sorted(set(frame["city"]) - {""}):
        question = statistics.Question(indicator=indicator.code, period=period, region=city, by="region")
        rows = statistics.values(question, indicator, [period])[period]
        found.update({key: sums.value for key, sums in rows.items() if key})
    return found


def table_for(spec: Spec, region: Region, year: int) -> pd.DataFrame:
    if spec.entity == "region":
        return region_table(spec, region, year)
    return enterprise_table(spec, region, year)
