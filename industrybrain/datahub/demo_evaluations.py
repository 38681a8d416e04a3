"""Demo inputs of the evaluations (see docs/demo-data.md and docs/indicators.md).

- **数字经济发展综合评价 inputs**: twelve region-level indicators for every county of Zhejiang, as the province
  hands every county bureau the figures of all counties. A county's value is a logistic (ratios, densities) or
  log (amounts) function of a development score (its city's lead + the kind of county + a county effect), the
  indicator's own county effect, a yearly improvement and yearly noise: rankings are stable but not frozen.
- **未来工厂 / GB/T 39116 inputs**: each year about 60% of manufacturers answer the maturity questionnaire
  (self-assessed maturity, provincial digital level, five years of smart-manufacturing investment); every
  manufacturer has a credit grade; about 2% of all firms have a major project under construction. The three
  largest, next four and next six 规上 manufacturers registered in each county are planted so that they clear
  the 未来工厂, 智能工厂 and 数字化车间 thresholds every year.

Nothing here draws from the statistics generator's stream: each county (and each county and year) has a numpy
Generator of its own, seeded from the demo seed and the county code, so the other demo figures are unchanged and
a county's values are the same whichever scale it is built at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from industrybrain.registry.models import Region

if TYPE_CHECKING:
    from .demo import Firms

PROVINCE = "330000"
BASE_YEAR = 2024  # the year the centres below describe; other years improve or fall back by the trend
# Invented for the demo: a rough east–west gradient of digital development (杭州 first, then 宁波, 嘉兴, 绍兴 …).
CITY_LEAD = {"330100": 1.5, "330200": 0.9, "330300": 0.3, "330400": 0.6, "330500": 0.4, "330600": 0.5,
             "330700": 0.3, "330800": -0.6, "330900": -0.2, "331000": 0.0, "331100": -0.7}  # fmt: skip
# Thresholds of the 未来工厂 pyramid (浙经信产数〔2025〕174号, DOMAIN §7; ordinary counties, not 山区海岛县).
THRESHOLDS: dict[str, dict[str, float]] = {
    "future_factory": {"digital_level": 3.0, "credit_rating": 3},
    "smart_factory": {"digital_level": 2.0, "im_investment_5y": 4000, "credit_rating": 2},
    "digital_workshop": {"digital_level": 2.0, "im_investment_5y": 2000, "credit_rating": 2},
}


@dataclass(frozen=True)
class Spec:
    """value = low + (high − low)·sigmoid(x) (link "logistic") or clip(exp(x), low, high) (link "log"), where
    x = centre + loading·development + own·z_county + trend·(year − BASE_YEAR) + noise·z_year."""

    low: float
    high: float
    link: str
    centre: float
    loading: float
    own: float
    trend: float
    noise: float


REGION_SPECS: dict[str, Spec] = {
    "fiveg_per_10k": Spec(10, 70, "logistic", -0.69, 0.8, 0.3, 0.25, 0.08),
    "gigabit_share": Spec(0.05, 0.6, "logistic", -0.33, 0.7, 0.3, 0.30, 0.08),
    "de_core_va_share": Spec(0.02, 0.40, "logistic", -1.67, 1.1, 0.4, 0.06, 0.05),
    "de_manufacturing_growth": Spec(-0.15, 0.45, "logistic", -0.34, 0.3, 0.3, 0.0, 0.45),
    "software_revenue": Spec(0.1, 4000, "log", np.log(6), 1.7, 0.7, 0.08, 0.08),
    "industrial_cloud_rate": Spec(0.2, 0.9, "logistic", -0.29, 0.6, 0.35, 0.20, 0.10),
    "industrial_nc_rate": Spec(0.35, 0.8, "logistic", -0.04, 0.5, 0.35, 0.12, 0.08),
    "online_retail_share": Spec(0.05, 0.7, "logistic", -0.47, 0.6, 0.5, 0.10, 0.08),
    "cross_border_ecommerce": Spec(0.5, 3000, "log", np.log(15), 0.9, 0.9, 0.12, 0.12),
    "gov_online_rate": Spec(0.8, 1.0, "logistic", 1.10, 0.4, 0.3, 0.30, 0.10),
    "mobile_internet_per_100": Spec(70, 160, "logistic", -0.45, 0.6, 0.3, 0.10, 0.05),
}
SMART_FACTORY_BOUNDS = (0, 400)  # 智能工厂和数字化车间数: a cumulative count, see _smart_factories
REGION_INDICATORS = (*REGION_SPECS, "smart_factories")


def _seed(seed: int) -> int:
    return seed % 2**32


def _county_kind(code: str) -> float:
    """GB/T 2260: 01–20 市辖区 (urban districts), 81–99 县级市, the rest 县."""
    serial = int(code[4:])
    return 0.4 if serial <= 20 else 0.1 if serial >= 81 else -0.2


def zhejiang_counties() -> list[str]:
    return list(
        Region.objects.filter(level="county", path__startswith=f"{PROVINCE}/", is_active=True)
        .order_by("code")
        .values_list("code", flat=True)
    )


def _development(seed: int, county: str) -> tuple[float, np.ndarray]:
    """(development score, the indicators' own county effects): fixed per county."""
    city = county[:4] + "00"
    city_effect = CITY_LEAD.get(city, 0.0) + np.random.default_rng([_seed(seed), 2, int(city)]).normal(0, 0.15)
    rng = np.random.default_rng([_seed(seed), 1, int(county)])
    development = city_effect + _county_kind(county) + rng.normal(0, 0.45)
    return development, rng.normal(0, 1, len(REGION_SPECS) + 1)


def _value(spec: Spec, development: float, own: float, year: int, noise: float) -> float:
    x = spec.centre + spec.loading * development + spec.own * own + spec.trend * (year - BASE_YEAR)
    x += spec.noise * noise
    if spec.link == "logistic":
        return spec.low + (spec.high - spec.low) / (1 + np.exp(-x))
    return float(np.clip(np.exp(x), spec.low, spec.high))


def _smart_factories(seed: int, county: str, development: float, own: float, year: int) -> int:
    """A cumulative count: a stock recognised by 2020 and new recognitions every year since."""
    stock = np.random.default_rng([_seed(seed), 4, int(county), 2020]).poisson(
        np.exp(np.log(15) + 0.4 * development + 0.4 * own)
    )
    for later in range(2021, year + 1):
        rng = np.random.default_rng([_seed(seed), 4, int(county), later])
        stock += rng.poisson(np.exp(np.log(6) + 0.3 * development + 0.4 * own))
    return int(np.clip(stock, *SMART_FACTORY_BOUNDS))


def region_values(
    seed: int, year: int, counties: list[str], smart_factories: dict[str, int] | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(county codes, {indicator: values}) of one year. `smart_factories` overrides the count for the counties
    whose firms the demo holds (the firms that clear the 数字化车间 thresholds), so the two agree."""
    columns: dict[str, list[float]] = {code: [] for code in REGION_INDICATORS}
    for county in counties:
        development, own = _development(seed, county)
        noise = np.random.default_rng([_seed(seed), 3, int(county), year]).normal(0, 1, len(REGION_SPECS))
        for k, (code, spec) in enumerate(REGION_SPECS.items()):
            columns[code].append(round(_value(spec, development, own[k], year, noise[k]), 4))
        count = (smart_factories or {}).get(county)
        if count is None:
            count = _smart_factories(seed, county, development, own[-1], year)
        columns["smart_factories"].append(float(count))
    return np.array(counties), {code: np.array(values) for code, values in columns.items()}


# --- enterprises: the 未来工厂 pyramid and GB/T 39116 maturity ------------------------------------------------
PLANTED = (("future_factory", 3), ("smart_factory", 4), ("digital_workshop", 6))
# Floors that planted firms' values never fall below: (maturity, digital level, investment, credit).
PLANTED_FLOORS = {
    "future_factory": (3.2, 3.15, 6000.0, 4),
    "smart_factory": (2.2, 2.15, 4500.0, 3),
    "digital_workshop": (2.0, 2.1, 2300.0, 3),
}


class MaturityInputs:
    """Firm traits drawn once (per registration county, from the USCC's region code), and each year's values."""

    def __init__(self, firms: Firms, seed: int) -> None:
        self.firms, self.seed = firms, seed
        n = len(firms.uscc)
        self.home = np.array([u[2:8] for u in firms.uscc]) if n else np.array([], dtype=str)
        self.propensity, self.maturity, self.offset = np.ones(n), np.zeros(n), np.zeros(n)
        self.investment, self.credit, self.construction = np.zeros(n), np.zeros(n), np.zeros(n)
        self.tier = np.full(n, "", dtype=object)
        for county in sorted(set(self.home)):
            self._draw(np.flatnonzero(self.home == county), int(county))
            self._plant(np.flatnonzero(self.home == county))

    def _draw(self, idx: np.ndarray, county: int) -> None:
        rng, firms, m = np.random.default_rng([_seed(self.seed), 0x39116, county]), self.firms, len(idx)
        above = firms.above_scale[idx]
        self.propensity[idx] = rng.random(m) * np.where(above, 0.6, 1.0)  # 规上 firms answer more often
        self.maturity[idx] = 0.55 + rng.gamma(2.2, 0.42, m) + 0.3 * above  # skewed low: most 0.8–2.5
        self.offset[idx] = rng.normal(0, 0.25, m)
        size = (np.log(firms.employees[idx]) - np.log(40)) / 1.1
        spread = 0.35 * size + 0.3 * (self.maturity[idx] - 1.5) / 0.6 + 0.85 * rng.normal(0, 1, m)
        self.investment[idx] = np.log(800) + 1.0 * spread  # log 万元; median ≈ 800, a tail above 4000
        self.credit[idx] = rng.choice([1, 2, 3, 4], m, p=[0.02, 0.16, 0.62, 0.20])
        self.construction[idx] = rng.random(m)

    def _plant(self, idx: np.ndarray) -> None:
        """The largest 规上 manufacturers of the county (by employees) lead the pyramid."""
        firms = self.firms
        leaders = idx[firms.manufacturing[idx] & firms.above_scale[idx]]
        leaders = leaders[np.lexsort((firms.uscc[leaders], -firms.employees[leaders]))]
        start = 0
        for tier, count in PLANTED:
            chosen = leaders[start : start + count]
            start += count
            maturity, _level, investment, credit = PLANTED_FLOORS[tier]  # the level follows the maturity
            self.tier[chosen] = tier
            self.propensity[chosen] = 0.0
            self.maturity[chosen] = np.maximum(self.maturity[chosen], maturity + 0.2)
            self.offset[chosen] = np.maximum(self.offset[chosen], 0.1)
            self.investment[chosen] = np.maximum(self.investment[chosen], np.log(investment * 1.2))
            self.credit[chosen] = np.maximum(self.credit[chosen], credit)

    def year(self, year: int) -> dict[str, np.ndarray]:
        """One year's values (NaN where a firm reports none)."""
        firms, t, n = self.firms, year - BASE_YEAR, len(self.firms.uscc)
        noise, shift = np.zeros((3, n)), np.zeros(n)
        for county in sorted(set(self.home)):
            idx = np.flatnonzero(self.home == county)
            rng = np.random.default_rng([_seed(self.seed), 0x39117, int(county), year])
            noise[:, idx] = rng.normal(0, 1, (3, len(idx)))
            shift[idx] = rng.choice([-1, 0, 1], len(idx), p=[0.025, 0.95, 0.025])
        maker = firms.manufacturing
        answered = maker & (self.propensity < 0.52 + 0.03 * t)
        maturity = np.clip(self.maturity + 0.1 * t + 0.06 * noise[0], 0, 5)
        level = np.clip(0.1 + 0.9 * maturity + self.offset + 0.06 * noise[1], 0.3, 5)
        investment = np.exp(self.investment + 0.08 * t + 0.05 * noise[2])
        credit = np.clip(self.credit + shift, 1, 4)
        for tier, (floor_m, floor_l, floor_i, floor_c) in PLANTED_FLOORS.items():
            planted = self.tier == tier
            maturity = np.where(planted, np.maximum(maturity, floor_m), maturity)
            level = np.where(planted, np.maximum(level, floor_l), level)
            investment = np.where(planted, np.maximum(investment, floor_i), investment)
            credit = np.where(planted, np.maximum(credit, floor_c), credit)
        flagged = np.mod(self.construction + 0.01 * t, 1.0) < 0.02  # each project runs about two years
        return {
            "im_maturity_score": np.where(answered, np.round(maturity, 2), np.nan),
            "digital_level": np.where(answered, np.round(level, 2), np.nan),
            "im_investment_5y": np.where(answered, np.round(investment, 1), np.nan),
            "credit_rating": np.where(maker, credit, np.nan),
            "under_major_construction": flagged.astype(float),
        }


def meets(values: dict[str, np.ndarray], tier: str) -> np.ndarray:
    """Which firms clear a tier's thresholds (a firm that reported nothing clears none)."""
    result = np.ones(len(values["credit_rating"]), dtype=bool)
    for code, floor in THRESHOLDS[tier].items():
        result &= np.nan_to_num(values[code], nan=-1.0) >= floor
    return result


def eligible_by_county(firms: Firms, values: dict[str, np.ndarray]) -> dict[str, int]:
    """Firms clearing the 数字化车间 thresholds (智能工厂 and 未来工厂 candidates clear them too), per county."""
    eligible = meets(values, "digital_workshop")
    return {str(county): int(eligible[firms.county == county].sum()) for county in sorted(set(firms.county))}
