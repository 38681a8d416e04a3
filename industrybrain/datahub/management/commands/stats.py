import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from industrybrain.analytics import statistics
from industrybrain.datahub.periods import PeriodError, parse_period
from industrybrain.registry.choices import Ownership
from industrybrain.registry.management.commands._common import acting_user


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


class Command(BaseCommand):
    help = (
        "Answer a statistics question: an indicator for the parts of a region, with 同比 growth, shares and "
        "ranks; or its top enterprises (--top N), or its trend (--trend N). "
        "Example: stats value_added 2024年1—7月 --region 331000 --digital-economy core_manufacturing"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("indicator")
        parser.add_argument("period", help="2024, 2024Q2, 2024-07, or 2024年1—7月 for year-to-date")
        parser.add_argument("--region", help="GB/T 2260 code (default: the top of the user's scope)")
        parser.add_argument("--by", choices=statistics.GROUPINGS, default="region")
        parser.add_argument("--ytd", action="store_true", help="year-to-date (implied by 1—N月)")
        flag = parser.add_mutually_exclusive_group()
        flag.add_argument("--above-scale", dest="above_scale", action="store_const", const=True, default=None)
        flag.add_argument("--below-scale", dest="above_scale", action="store_const", const=False)
        parser.add_argument("--ownership", choices=Ownership.values, help="登记注册类型 group, e.g. foreign")
        parser.add_argument("--industry", help="GB/T 4754 node: section letter or 2-4 digits")
        parser.add_argument("--digital-economy", choices=sorted(statistics.DIGITAL_ECONOMY_SCOPES))
        parser.add_argument("--park")
        parser.add_argument("--top", type=int, help="list the N enterprises with the highest values")
        parser.add_argument("--trend", type=int, help="the total over the last N periods")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--user", help="ask as this user (default: the first superuser)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"])
        try:
            parsed = parse_period(options["period"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        region = options["region"] or (user.scope_path or "330000/").strip("/").split("/")[-1]
        question = statistics.Question(
            indicator=options["indicator"], period=parsed.period, region=region,
            year_to_date=options["ytd"] or parsed.year_to_date, by=options["by"],
            above_scale=options["above_scale"], ownership=options["ownership"], industry=options["industry"],
            digital_economy=options["digital_economy"], park=options["park"],
        )  # fmt: skip
        try:
            question = statistics.authorise(question, user)
            if options["top"]:
                result = statistics.top_enterprises(question, user, options["top"])
            elif options["trend"]:
                result = statistics.trend(question, options["trend"])
            else:
                result = statistics.breakdown(question).as_dict()
        except (statistics.QuestionError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        elif options["top"]:
            self._print_top(result)
        elif options["trend"]:
            for point in result["points"]:
                self.stdout.write(f"{point['label']:<16}{_number(point['value']):>18}")
        else:
            self._print_breakdown(result)

    def _print_breakdown(self, answer: dict[str, Any]) -> None:
        indicator = answer["indicator"]
        self.stdout.write(f"{indicator['name']} ({indicator['unit']}), {answer['period_label']}")
        header = f"{'':<4}{'':<24}{'value':>16}{'last year':>16}{'growth':>10}{'share':>9}{'of all':>9}"
        self.stdout.write(header)
        for row in [*sorted(answer["rows"], key=lambda r: r["rank"] or 10**9), answer["total"]]:
            rank = str(row["rank"] or "") if row is not answer["total"] else "Σ"
            share_of_all = "—" if row["share_of_all"] is None else f"{row['share_of_all'] * 100:.1f}%"
            share = "—" if row["share"] is None else f"{row['share'] * 100:.1f}%"
            self.stdout.write(
                f"{rank:<4}{row['name'][:22]:<24}{_number(row['value']):>16}{_number(row['last_year']):>16}"
                f"{_percent(row['growth']):>10}{share:>9}{share_of_all:>9}"
            )
        self.stdout.write(f"data as of {answer['data_as_of'] or '—'} (batch {answer['data_version'] or '—'})")

    def _print_top(self, result: dict[str, Any]) -> None:
        indicator = result["indicator"]
        self.stdout.write(f"{indicator['name']} ({indicator['unit']}), {result['period_label']}")
        for row in result["rows"]:
            self.stdout.write(f"{row['rank']:>3}  {row['uscc']}  {row['name'][:30]:<32}{_number(row['value']):>16}")
