"""A deterministic synthetic region for demos, tests and benchmarks (see docs/demo-data.md).

Plain data is generated first (`generate_county`), one random stream per county derived from the seed and the
county code, so that the same scale and seed give the same rows and adding a county reshuffles no other.
`build_demo_region` then writes it with bulk inserts and logs every created object in the change log.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department, User
from industrybrain.core.context import change_context
from industrybrain.core.models import ObjectChange

from .choices import EnterpriseStatus, ParkKind, RegionLevel
from .models import Enterprise, Park, Region
from .uscc import USCC_CHARSET, make_uscc


@dataclass(frozen=True)
class Scale:
    root: str  # the region whose counties are generated
    enterprises: int  # about this many in total


SCALES = {
    "county": Scale("331082", 2_000),  # 临海市
    "city": Scale("331000", 20_000),  # 台州市, 9 counties
    "province": Scale("330000", 100_000),  # 浙江省, 90 counties
}

# Everyday manufacturing in Zhejiang counties (GB/T 4754-2017 小类) with relative weights.
BASE_INDUSTRIES: dict[str, float] = {
    "3670": 8,
    "3484": 6,
    "2929": 6,
    "3441": 3,
    "3443": 3,
    "3525": 4,
    "3311": 3,
    "3399": 3,
    "3360": 2,
    "1761": 3,
    "1713": 2,
    "1951": 2,
    "2110": 2,
    "2231": 2,
    "2411": 1,
    "3872": 2,
    "3879": 1,
    "3831": 2,
    "3851": 1,
    "3853": 1,
    "3424": 1,
    "3599": 3,
    "3130": 1,
    "3340": 1,
    "2041": 1,
}
# Digital-economy core manufacturing and services: present everywhere, in small numbers.
DIGITAL_INDUSTRIES: dict[str, float] = {
    "3912": 1,
    "3922": 1,
    "3971": 0.5,
    "3974": 0.5,
    "3976": 1,
    "3982": 2,
    "3989": 1,
    "6513": 2,
    "6519": 1,
    "6531": 1,
    "6450": 0.5,
    "6432": 0.5,
}
# Services and construction: the firms an industrial registry also holds.
OTHER_INDUSTRIES: dict[str, float] = {
    "5172": 2,
    "5174": 2,
    "5176": 1,
    "5179": 2,
    "5263": 1,
    "5437": 1,
    "5439": 2,
    "5821": 1,
    "4790": 1,
    "4813": 1,
    "4910": 1,
    "7512": 0.5,
}
# Each county is known for two or three of these clusters (缝制设备, 汽摩配, 光伏, 医化, 泵阀, 眼镜, …).
SPECIALITIES = ("3553", "3670", "3825", "2710", "2720", "3441", "3443", "3587", "3525", "3581", "3842", "3714")
SPECIALITY_BOOST = 12.0

INDUSTRY_WORDS = {
    "35": "机械",
    "36": "汽车部件",
    "38": "电气",
    "39": "电子",
    "27": "医药",
    "29": "塑业",
    "17": "纺织",
    "19": "鞋业",
    "21": "家具",
    "22": "包装",
    "24": "文体用品",
    "31": "钢业",
    "33": "金属制品",
    "34": "机电",
    "37": "装备",
    "20": "竹木",
    "65": "软件",
    "64": "网络科技",
    "51": "贸易",
    "52": "商贸",
    "54": "物流",
    "58": "货运代理",
    "47": "建设",
    "48": "建设工程",
    "49": "安装工程",
    "75": "生物科技",
}
BRAND_CHARACTERS = "恒达华宏信瑞丰泰新东方永盛光明海正精工联合金鑫天宇中和润博远鸿运伟星开元万通力帆凯利"
DEPARTMENTS = (
    ("JXJ", "经济和信息化局"),
    ("FGJ", "发展和改革局"),
    ("SWJ", "商务局"),
    ("SCJGJ", "市场监督管理局"),
    ("ZRZYJ", "自然资源和规划局"),
    ("STHJJ", "生态环境分局"),
    ("RSJ", "人力资源和社会保障局"),
    ("KJJ", "科学技术局"),
    ("CZJ", "财政局"),
    ("ZJJ", "住房和城乡建设局"),
    ("SWJU", "税务局"),
    ("GDGS", "供电公司"),
    # Everything else a county-level government has that an enterprise may need (about sixty units in all):
    # its other working departments, the vertically managed offices, public utilities, 群团 and the county's
    # branch or contact point of city- and province-level bodies. A name with braces is formatted with
    # {county} (临海市), {short} (临海), {city} (台州市), {city_short} (台州) and {province_short} (浙江);
    # any other name follows the county's name.
    ("GAJ", "公安局"),
    ("JTYSJ", "交通运输局"),
    ("YJGLJ", "应急管理局"),
    ("SLJ", "水利局"),
    ("NYNCJ", "农业农村局"),
    ("WGLTJ", "文化和广电旅游体育局"),
    ("WSJKJ", "卫生健康局"),
    ("JYJ", "教育局"),
    ("MZJ", "民政局"),
    ("SFJ", "司法局"),
    ("TYJRJ", "退役军人事务局"),
    ("SJJ", "审计局"),
    ("TJJ", "统计局"),
    ("YBJ", "医疗保障局"),
    ("ZHZFJ", "综合行政执法局"),
    ("XFJ", "信访局"),
    ("DSJJ", "大数据发展管理局"),
    ("ZWFW", "政务服务管理办公室"),
    ("JRZX", "地方金融发展服务中心"),
    ("TZCJ", "投资促进中心"),
    ("ZXQY", "中小企业发展服务中心"),
    ("BDCDJ", "不动产登记服务中心"),
    ("GGZY", "公共资源交易中心"),
    ("KFQ", "{short}经济开发区管理委员会"),
    ("XFJY", "消防救援大队"),
    ("QXJ", "气象局"),
    ("YCJ", "烟草专卖局"),
    ("FY", "人民法院"),
    ("JCY", "人民检察院"),
    ("GXS", "供销合作社联合社"),
    ("GSL", "工商业联合会"),
    ("ZGH", "总工会"),
    ("KX", "科学技术协会"),
    ("MCH", "中国国际贸易促进委员会{county}支会"),
    ("GJJ", "{city}住房公积金管理中心{short}分中心"),
    ("JRJG", "国家金融监督管理总局{short}监管支局"),
    # Since the 2023 reform the People's Bank and SAFE keep no county sub-branches: the county deals with the
    # city branch, represented here by its contact for the county so that routing stays inside the county.
    ("RMYH", "中国人民银行{city_short}市分行（{short}）"),
    ("WHGLJ", "国家外汇管理局{city_short}市分局（{short}）"),
    ("HG", "{city_short}海关驻{short}办事处"),  # a city's customs office, with an office in the county
    ("XB", "中国出口信用保险公司{province_short}分公司{city_short}办事处（{short}）"),
    ("DX", "中国电信{short}分公司"),
    ("YD", "中国移动{short}分公司"),
    ("LT", "中国联通{short}分公司"),
    ("YZ", "中国邮政集团有限公司{county}分公司"),
    ("SWJT", "水务集团有限公司"),
    ("RQGS", "燃气有限公司"),
    ("RCZX", "人才发展服务中心"),
    ("SBZX", "社会保险事业管理中心"),
)


@dataclass
class PlannedPark:
    code: str
    name: str
    kind: str
    county: str
    planned_area_mu: Decimal


@dataclass
class PlannedEnterprise:
    uscc: str
    name: str
    county: str
    park: str | None
    industry: str
    is_above_scale: bool
    is_listed: bool
    founded_on: date
    land_area_mu: Decimal | None
    employees: int
    status: str


@dataclass
class CountyPlan:
    county: str
    specialities: tuple[str, ...]
    parks: list[PlannedPark] = field(default_factory=list)
    enterprises: list[PlannedEnterprise] = field(default_factory=list)


@dataclass
class DemoSummary:
    root_code: str
    root_name: str
    counties: int
    parks: int
    enterprises: int
    departments: int
    password: str
    users: dict[str, str]  # username -> what the user may see

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def short_name(county_name: str) -> str:
    """临海市 -> 临海, 景宁畲族自治县 -> 景宁; two-character names keep their suffix (e.g. 鄞州区)."""
    for suffix in ("畲族自治县", "自治县", "市", "县", "区"):
        if county_name.endswith(suffix) and len(county_name) - len(suffix) >= 2:
            return county_name[: -len(suffix)]
    return county_name


def _weighted_industries(specialities: Iterable[str]) -> tuple[list[str], list[float]]:
    weights = {**BASE_INDUSTRIES, **DIGITAL_INDUSTRIES, **OTHER_INDUSTRIES}
    for code in specialities:
        weights[code] = weights.get(code, 0) + SPECIALITY_BOOST
    codes = sorted(weights)
    return codes, [weights[c] for c in codes]


def _plan_parks(rng: random.Random, county: str, name: str) -> list[PlannedPark]:
    short = short_name(name)
    layout = [
        (f"{short}经济开发区", ParkKind.DEVELOPMENT_ZONE, (8_000, 30_000)),
        (f"{short}高新技术产业园区", ParkKind.HIGH_TECH_ZONE, (3_000, 12_000)),
        (f"{short}小微企业园", ParkKind.SMALL_MICRO_PARK, (300, 1_500)),
        (f"{short}先进制造业集聚区", ParkKind.INDUSTRIAL_CLUSTER, (5_000, 20_000)),
    ]
    chosen = layout[: rng.randint(2, 4)]
    return [
        PlannedPark(f"{county}-P{i:02d}", park_name, kind, county, Decimal(rng.randint(*bounds)))
        for i, (park_name, kind, bounds) in enumerate(chosen, start=1)
    ]


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return math.exp(rng.gauss(math.log(median), sigma))


def _plan_enterprise(
    rng: random.Random, plan: CountyPlan, name: str, industry: str, used: set[str]
) -> PlannedEnterprise:
    manufacturing = industry[:2].isdigit() and 13 <= int(industry[:2]) <= 43
    above = manufacturing and rng.random() < 0.2
    while (uscc := make_uscc("9", "1", plan.county, "MA" + "".join(rng.choices(USCC_CHARSET, k=6)))) in used:
        pass
    used.add(uscc)
    tenant = manufacturing and not above and rng.random() < 0.15  # rents a workshop: no land of its own
    land = None if not manufacturing or tenant else _lognormal(rng, 30 if above else 6, 0.8)
    in_park = manufacturing and rng.random() < 0.7
    return PlannedEnterprise(
        uscc=uscc,
        name=name,
        county=plan.county,
        park=rng.choice(plan.parks).code if in_park else None,
        industry=industry,
        is_above_scale=above,
        is_listed=above and rng.random() < 0.05,
        founded_on=date(rng.randint(1985, 2024), rng.randint(1, 12), rng.randint(1, 28)),
        land_area_mu=None if land is None else Decimal(f"{land:.2f}"),
        employees=max(1, round(_lognormal(rng, 150 if above else 25, 0.7))),
        status=rng.choices(list(EnterpriseStatus.values), weights=[94, 2, 1, 1, 2])[0],
    )


def _company_name(rng: random.Random, short: str, industry: str, taken: set[str]) -> str:
    word = INDUSTRY_WORDS.get(industry[:2], "实业")
    while True:
        brand = "".join(rng.sample(BRAND_CHARACTERS, 2))
        form = "股份有限公司" if rng.random() < 0.05 else "有限公司"
        name = f"{short}{brand}{word}{form}"
        if name not in taken:
            taken.add(name)
            return name


def generate_county(seed: int, county: Region, count: int, used_usccs: set[str]) -> CountyPlan:
    """Parks and `count` enterprises for one county, from a random stream of its own."""
    rng = random.Random(f"{seed}:{county.code}")
    plan = CountyPlan(county=county.code, specialities=tuple(rng.sample(SPECIALITIES, rng.randint(2, 3))))
    plan.parks = _plan_parks(rng, county.code, county.name)
    codes, weights = _weighted_industries(plan.specialities)
    short, names = short_name(county.name), set[str]()
    for _ in range(count):  # one firm at a time, so the first N firms do not depend on `count`
        industry = rng.choices(codes, weights=weights)[0]
        plan.enterprises.append(
            _plan_enterprise(rng, plan, _company_name(rng, short, industry, names), industry, used_usccs)
        )
    return plan


def _move_some_to_neighbours(seed: int, plans: list[CountyPlan], counties: dict[str, Region]) -> None:
    """About 3% of industrial firms operate in a park of a neighbouring county of the same city: registration
    region and place of operation differ, as they do in real registers."""
    rng = random.Random(f"{seed}:commuters")
    by_city: dict[str, list[CountyPlan]] = {}
    for plan in plans:
        by_city.setdefault(counties[plan.county].parent_id or "", []).append(plan)
    for siblings in by_city.values():
        if len(siblings) < 2:
            continue
        for plan in siblings:
            others = [p for p in siblings if p is not plan]
            for firm in plan.enterprises:
                if firm.park is not None and rng.random() < 0.03:
                    firm.park = rng.choice(rng.choice(others).parks).code


def _county_sizes(seed: int, codes: list[str], total: int) -> dict[str, int]:
    """Counties differ in size (some have three times the firms of others); the sizes add up to `total`."""
    weights = {code: math.exp(random.Random(f"{seed}:size:{code}").gauss(0, 0.45)) for code in codes}
    scale = total / sum(weights.values())
    sizes = {code: int(w * scale) for code, w in weights.items()}
    sizes[codes[0]] += total - sum(sizes.values())
    return sizes


def generate_region(scale: str, seed: int = 2026) -> list[CountyPlan]:
    """All counties of the scale's root region, as plain data (no database writes)."""
    root = Region.objects.get(code=SCALES[scale].root)
    counties = {r.code: r for r in Region.objects.filter(path__startswith=root.path, level=RegionLevel.COUNTY)}
    sizes = _county_sizes(seed, sorted(counties), SCALES[scale].enterprises)
    used: set[str] = set()
    plans = [generate_county(seed, counties[code], sizes[code], used) for code in sorted(counties)]
    _move_some_to_neighbours(seed, plans, counties)
    return plans


def _bulk_create_logged(model: type, objects: list[Any]) -> list[Any]:
    """Insert in batches and write one CREATE entry per object (bulk_create sends no signals)."""
    created = model.objects.bulk_create(objects, batch_size=2000)
    ObjectChange.objects.bulk_create(
        (ObjectChange.build(o, ObjectChange.Action.CREATE, None, o.snapshot()) for o in created), batch_size=2000
    )
    return created


OWNERSHIP_SHARES = (("private", 86), ("foreign", 7), ("state", 3), ("collective", 2), ("other", 2))


def ownership_of(uscc: str) -> str:
    """A Zhejiang-like mix (mostly private), read off a hash of the code so the other random streams are
    untouched and the same firm always gets the same type."""
    point = int(hashlib.sha256(uscc.encode()).hexdigest()[:8], 16) % 100
    for ownership, share in OWNERSHIP_SHARES:
        if point < share:
            return ownership
        point -= share
    return "other"


def _write_plans(plans: list[CountyPlan], counties: dict[str, Region]) -> tuple[list[Park], list[Enterprise]]:
    parks = _bulk_create_logged(
        Park,
        [
            Park(code=p.code, name=p.name, kind=p.kind, region=counties[p.county], planned_area_mu=p.planned_area_mu)
            for plan in plans
            for p in plan.parks
        ],
    )
    park_by_code = {p.code: p for p in parks}
    enterprises = _bulk_create_logged(
        Enterprise,
        [
            Enterprise(
                uscc=e.uscc,
                name=e.name,
                region=counties[e.county],
                park=park_by_code.get(e.park or ""),
                industry_id=e.industry,
                is_above_scale=e.is_above_scale,
                is_listed=e.is_listed,
                founded_on=e.founded_on,
                land_area_mu=e.land_area_mu,
                employees=e.employees,
                status=e.status,
                ownership=ownership_of(e.uscc),
            )
            for plan in plans
            for e in plan.enterprises
        ],
    )
    return parks, enterprises


def department_name(template: str, county: Region) -> str:
    """A `DEPARTMENTS` name for a county: formatted if it has braces, else after the county's name."""
    if "{" not in template:
        return f"{county.name}{template}"
    city = county.parent or county
    province = city.parent or city
    return template.format(
        county=county.name, short=short_name(county.name), city=city.name, city_short=short_name(city.name),
        province_short=province.name.removesuffix("省"),
    )  # fmt: skip


def _write_departments(counties: Iterable[Region]) -> list[Department]:
    return _bulk_create_logged(
        Department,
        [
            Department(code=f"{county.code}-{short}", name=department_name(name, county), region=county)
            for county in counties
            for short, name in DEPARTMENTS
        ],
    )


DEMO_MAIL_DOMAIN = "demo.industrybrain.invalid"  # reserved: mail to the demo's people never leaves the machine


def demo_email(username: str) -> str:
    return f"{username}@{DEMO_MAIL_DOMAIN}"


def _write_users(root: Region, county: Region, enterprise: Enterprise, password: str) -> dict[str, str]:
    clerk_department = Department.objects.get(code=f"{county.code}-JXJ")
    commerce = Department.objects.get(code=f"{county.code}-SWJ")
    personas = [
        ("demo_admin", Role.ADMINISTRATOR, {"scope_region": root, "is_staff": True}, f"administrator, {root.name}"),
        ("demo_analyst", Role.ANALYST, {"scope_region": root}, f"analyst, {root.name}"),
        ("county_analyst", Role.ANALYST, {"scope_region": county}, f"analyst, {county.name}"),
        (
            "department_clerk",
            Role.CLERK,
            {"scope_region": county, "department": clerk_department, "email": demo_email("department_clerk")},
            f"clerk, {clerk_department.name}",
        ),
        (
            "commerce_clerk",
            Role.CLERK,
            {"scope_region": county, "department": commerce, "email": demo_email("commerce_clerk")},
            f"clerk, {commerce.name}",
        ),
        (
            "supervisor",
            Role.SUPERVISOR,
            {"scope_region": county, "email": demo_email("supervisor")},
            f"supervisor (督办 office), {county.name}",
        ),
        ("enterprise_user", Role.ENTERPRISE, {"enterprise": enterprise}, f"enterprise user, {enterprise.name}"),
    ]
    users = {}
    for username, role, fields, description in personas:
        user = User(username=username, role=role, **fields)
        user.set_password(password)
        user.save()
        users[username] = description
    return users


def build_demo_region(scale: str, seed: int = 2026) -> DemoSummary:
    """Write the demo region into an empty registry (reference data must be loaded)."""
    if Enterprise.objects.exists():
        raise ValueError("the registry already holds enterprises; build the demo into an empty database")
    root = Region.objects.get(code=SCALES[scale].root)
    plans = generate_region(scale, seed)
    counties = Region.objects.in_bulk([p.county for p in plans])
    password = secrets.token_urlsafe(9)
    with change_context(source="demo"), transaction.atomic():
        parks, enterprises = _write_plans(plans, counties)
        departments = _write_departments(counties[c] for c in sorted(counties))
        first_county = counties[plans[0].county]
        showcase = next(e for e in enterprises if e.region_id == first_county.code and e.is_above_scale)
        users = _write_users(root, first_county, showcase, password)
    return DemoSummary(
        root_code=root.code,
        root_name=root.name,
        counties=len(counties),
        parks=len(parks),
        enterprises=len(enterprises),
        departments=len(departments),
        password=password,
        users=users,
    )
