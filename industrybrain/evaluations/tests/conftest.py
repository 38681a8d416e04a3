"""Fixtures of the evaluation API and page tests: small tables whose numbers can be checked by hand.

`mu` runs the shipped 亩均 spec over 台州 for 2025 on six firms. Every 规上 firm has 10 亩 and the same value
added (100), energy (10), emissions (10), employees (10), R&D (5) and revenue (100), so all indicators but
亩均税收 sit exactly at the benchmark (ratio 1) and add 20 + 20 + 10 + 10 + 10 = 70 points. Tax decides the rest:
the 规上 population's ratio of sums is (40 + 20 + 10 + 10 + 20) / 50 = 2 万元/亩, so the tax part is 30 × 亩均税收 / 2:

| firm              | county | tax | score | rank | rank in county | grade (rank share)  |
|-------------------|--------|-----|-------|------|----------------|---------------------|
| linhai_firm       | 临海   | 40  | 130   | 1    | 1              | B (1/4 ≤ 0.45)      |
| jiaojiang_firm    | 椒江   | 20  | 100   | 2    | 1              | C (2/4)             |
| commuter_firm     | 椒江   | 10  | 85    | 3    | 2              | C                   |
| linhai_second     | 临海   | 10  | 85    | 3    | 2              | C                   |
| startup (< 1 yr)  | 椒江   | 20  | 100   | —    | —              | none: 新办企业…       |
| linhai_small 规下  | 临海   | 5   | 100   | 1    | 1              | D (alone: share 1)  |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import make_enterprise
from industrybrain.datahub.operations import import_records
from industrybrain.evaluations import operations
from industrybrain.evaluations.models import EvaluationRun
from industrybrain.registry.models import Region

# (firm key, 规上, tax paid, county, land area, age in years)
MU_FIRMS = [
    ("linhai_firm", 1, 40, "331082", 10, 5),
    ("jiaojiang_firm", 1, 20, "331002", 10, 5),
    ("commuter_firm", 1, 10, "331002", 10, 5),
    ("linhai_second", 1, 10, "331082", 10, 5),
    ("startup", 1, 20, "331002", 10, 0.5),
    ("linhai_small", 0, 5, "331082", 5, 5),
]
INDEX_COUNTIES = ["331082", "331002", "331003", "330102", "330106"]  # 临海 椒江 黄岩 (台州), 上城 西湖 (杭州)


def mu_table(firms: dict[str, Any], taxes: dict[str, float] | None = None) -> pd.DataFrame:
    rows = []
    for key, above, tax, county, land, age in MU_FIRMS:
        firm = firms[key]
        rows.append(
            {"uscc": firm.uscc, "name": firm.name, "county": county, "above_scale": above, "land_area": land,
             "tax_paid": (taxes or {}).get(key, tax), "value_added": 100, "energy_consumption": 10,
             "emissions": 10, "employees_avg": 10, "rd_expense": 5, "revenue": 100, "electricity": 10,
             "age_years": age, "under_major_construction": 0}
        )  # fmt: skip
    return pd.DataFrame(rows)


def index_table() -> pd.DataFrame:
    """Five counties, better and better along the list on every indicator but online retail."""
    rows = []
    for i, code in enumerate(INDEX_COUNTIES):
        region = Region.objects.get(code=code)
        rows.append(
            {"code": code, "name": region.name, "city": region.parent_id, "fiveg_per_10k": 10 * (i + 1),
             "gigabit_share": 0.1 * (i + 1), "de_core_va_share": 0.05 * (i + 1), "de_manufacturing_growth": 0.05 * i,
             "software_revenue": 20 * (i + 1), "industrial_cloud_rate": 0.2 * i + 0.1, "industrial_nc_rate": 0.5,
             "smart_factories": 10 * i, "online_retail_share": 0.1 * (5 - i), "cross_border_ecommerce": 10 * (i + 1),
             "gov_online_rate": 0.9, "mobile_internet_per_100": 100}
        )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture
def firms(world) -> dict[str, Any]:
    """The world's firms and three more: a second 临海 firm, a small 临海 规下 firm and a 椒江 start-up."""
    return {
        **world,
        "linhai_second": make_enterprise("MA2EEEEE", "331082", "临海市第二机械有限公司"),
        "linhai_small": make_enterprise("MA2FFFFF", "331082", "临海市小微五金厂", is_above_scale=False),
        "startup": make_enterprise("MA2GGGGG", "331002", "椒江区新创科技有限公司"),
    }


@pytest.fixture
def run_mu(firms) -> Callable[..., EvaluationRun]:
    """Runs the 亩均 spec over 台州 on the table above (taxes changed as given), as the city analyst."""

    def run(year: int, taxes: dict[str, float] | None = None) -> EvaluationRun:
        spec = operations.current_spec("mu_efficiency")
        city = Region.objects.get(code="331000")
        return operations.run_evaluation(spec, city, year, firms["city_analyst"], data=mu_table(firms, taxes))

    return run


@pytest.fixture
def mu(firms, run_mu) -> dict[str, Any]:
    """The 亩均 run of the table above, over 台州 for 2025."""
    run = run_mu(2025)
    return {**firms, "run": run, "spec": run.spec}


@pytest.fixture
def linhai_run(mu) -> EvaluationRun:
    """The same 2025 evaluation over 临海 alone, started by 临海's analyst."""
    table = mu_table(mu)
    linhai = table[table["county"] == "331082"]
    return operations.run_evaluation(mu["spec"], mu["linhai"], 2025, mu["linhai_analyst"], data=linhai)


@pytest.fixture
def mu_2024(mu, run_mu) -> EvaluationRun:
    """The year before: 椒江's commuter firm paid 30 then (rank 1), 临海's firm 10."""
    return run_mu(2024, {"commuter_firm": 30, "linhai_firm": 10})


@pytest.fixture
def index_run(world) -> EvaluationRun:
    """The regional index (with its Monte Carlo analysis) over five counties, started by 临海's analyst."""
    spec = operations.current_spec("digital_economy_index")
    province = Region.objects.get(code="330000")
    return operations.run_evaluation(spec, province, 2025, world["linhai_analyst"], data=index_table())


@pytest.fixture
def maturity_facts(firms) -> dict[str, Any]:
    """2025 maturity questionnaire facts in the data hub for three firms: 临海's firm reaches 未来工厂 (L3),
    椒江's firm 数字化车间 with 智能工厂 in reserve (L2), the commuter firm only a 数字化车间 reserve (L1)."""
    answers = {"linhai_firm": (3.5, 3.2, 5000, 3), "jiaojiang_firm": (2.0, 2.1, 2500, 2),
               "commuter_firm": (1.0, 1.7, 1300, 2)}  # fmt: skip
    indicators = ("im_maturity_score", "digital_level", "im_investment_5y", "credit_rating")
    records = [
        {"entity": firms[key].uscc, "indicator": indicator, "period": "2025", "value": str(value)}
        for key, values in answers.items()
        for indicator, value in zip(indicators, values, strict=True)
    ]
    report = import_records(records, firms["province_admin"], dry_run=False)
    assert report.ok, report.errors
    return firms


@pytest.fixture
def maturity(maturity_facts) -> dict[str, Any]:
    spec = operations.current_spec("smart_manufacturing")
    city = Region.objects.get(code="331000")
    run = operations.run_evaluation(spec, city, 2025, maturity_facts["city_analyst"])
    return {**maturity_facts, "run": run}


@pytest.fixture
def api(world) -> Callable[[str | None], APIClient]:
    """A client authenticated the way integrations are (a token), reading English messages."""

    def client_for(persona: str | None) -> APIClient:
        client = APIClient()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if persona is not None:
            token, _created = Token.objects.get_or_create(user=world[persona])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for
