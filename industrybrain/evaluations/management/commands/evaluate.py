from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from industrybrain.analytics.evaluation import explain as explain_module
from industrybrain.analytics.evaluation import files
from industrybrain.analytics.evaluation.model import EvaluationError
from industrybrain.analytics.evaluation.parsing import load_spec
from industrybrain.analytics.evaluation.run import Evaluation, evaluate
from industrybrain.analytics.evaluation.spec import Spec, SpecError
from industrybrain.core.tabular import TableError
from industrybrain.evaluations import operations
from industrybrain.evaluations.models import EvaluationRun, EvaluationSpec
from industrybrain.registry.management.commands._common import acting_user
from industrybrain.registry.models import Region


class Command(BaseCommand):
    help = (
        "Run an evaluation spec. File mode: `evaluate SPEC --data IN.csv --out OUT.csv` scores a wide table "
        "(one row per entity) and writes every node's score, the rank and the grade. Without --data it reads the "
        "data hub for --period, stores the run and prints its summary. SPEC is a YAML file or a spec code "
        "(mu_efficiency, digital_economy_index, digital_economy_index_topsis, smart_manufacturing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("spec", nargs="?", help="a spec file or code; omit with --list or --verify")
        parser.add_argument("--data", help="file mode: the wide input table (.csv, .xlsx or .parquet)")
        parser.add_argument("--out", help="write the results here (.csv or .xlsx)")
        parser.add_argument("--period", type=int, help="data-hub mode: the year to evaluate, e.g. 2025")
        parser.add_argument(
            "--region", help="data-hub mode: GB/T 2260 code (default: your scope; the province for indices)"
        )
        parser.add_argument("--user", help="act as this user (default: the first superuser)")
        parser.add_argument("--explain", metavar="ID", help="print one entity's explanation as JSON")
        parser.add_argument("--no-uncertainty", action="store_true", help="skip the Monte Carlo analysis")
        parser.add_argument("--list", action="store_true", help="list the stored runs")
        parser.add_argument("--verify", type=int, metavar="RUN", help="recompute a stored run and compare")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["list"]:
                return self._list()
            if options["verify"]:
                return self._verify(options["verify"])
            if not options["spec"]:
                raise CommandError(_("name a spec (file or code)"))
            if options["data"]:
                return self._file_mode(options)
            return self._hub_mode(options)
        except (SpecError, EvaluationError, TableError) as exc:
            raise CommandError(str(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

    # --- file mode ---------------------------------------------------------------------------------------
    def _spec_file(self, name: str) -> Spec:
        path = Path(name)
        if not path.exists():
            path = operations.shipped_spec_path(name) or path
        if not path.exists():
            raise CommandError(_("no spec file or shipped spec named %(name)s") % {"name": repr(name)})
        return load_spec(path)

    def _file_mode(self, options: dict[str, Any]) -> None:
        spec = self._spec_file(options["spec"])
        if not options["out"] and not options["explain"]:
            raise CommandError(_("file mode needs --out (or --explain ID)"))
        evaluation = evaluate(spec, files.read_data(options["data"], spec.id_column))
        if options["out"]:
            rows = files.write_results(evaluation, options["out"])
            self.stdout.write(
                _("%(spec)s (%(version)s): %(rows)s rows written to %(path)s")
                % {"spec": spec.name, "version": spec.version, "rows": rows, "path": options["out"]}
            )
        self._print_summary(evaluation)
        if options["explain"]:
            self._print_explanation(evaluation, options["explain"])

    def _print_summary(self, evaluation: Evaluation) -> None:
        table = evaluation.table
        for run in evaluation.populations.values():
            line = f"  {run.population.name}: {len(run.rows)}"
            if "grade" in table:
                counts = table.iloc[run.rows]["grade"].fillna("—").value_counts().sort_index()
                line += "  " + "  ".join(f"{grade} {count}" for grade, count in counts.items())
            self.stdout.write(line)
        if "tier" in table:
            tiers = table.loc[table["tier"] != "", "tier"].value_counts()
            reserve = table.loc[table["reserve_tier"] != "", "reserve_tier"].value_counts()
            self.stdout.write(f"  tiers: {dict(tiers)}  reserve: {dict(reserve)}")

    def _print_explanation(self, evaluation: Evaluation, entity_id: str) -> None:
        try:
            explained = explain_module.explain(evaluation, entity_id)
        except KeyError as exc:
            raise CommandError(_("no entity %(id)s in the data") % {"id": repr(entity_id)}) from exc
        self.stdout.write(json.dumps(operations.json_safe(explained), ensure_ascii=False, indent=2, default=str))

    # --- data-hub mode -----------------------------------------------------------------------------------
    def _hub_mode(self, options: dict[str, Any]) -> None:
        if not options["period"]:
            raise CommandError(_("give --period YEAR (data-hub mode) or --data FILE (file mode)"))
        user = acting_user(options["user"])
        name = options["spec"]
        spec_row = (
            operations.add_spec(Path(name).read_text(encoding="utf-8"), user)
            if Path(name).is_file()
            else operations.current_spec(name)
        )
        region = (
            self._region(options["region"]) if options["region"] else operations.default_region(spec_row.parsed, user)
        )
        run = operations.run_evaluation(
            spec_row, region, options["period"], user, with_uncertainty=not options["no_uncertainty"]
        )
        self.stdout.write(f"run {run.pk}: {spec_row.name} {run.period} · {region.name} · {run.entities} entities")
        for population in run.summary.get("populations", {}).values():
            grades = "  ".join(f"{g} {n}" for g, n in sorted(population["grades"].items()))
            self.stdout.write(f"  {population['name']}: {population['entities']}  {grades}")
        if run.summary.get("tiers") is not None:
            self.stdout.write(f"  tiers: {run.summary['tiers']}  reserve: {run.summary['reserve_tiers']}")
        for factor in run.uncertainty.get("sensitivity", [])[:3]:
            self.stdout.write(f"  sensitivity {factor['factor']}: {factor['first_order']:.2f}")
        if options["out"]:
            evaluation = operations.evaluation_of(run)
            files.write_results(evaluation, options["out"])
            self.stdout.write("  " + _("results written to %(path)s") % {"path": options["out"]})
        if options["explain"]:
            print_json = json.dumps(operations.explain(run, options["explain"], user), ensure_ascii=False, indent=2)
            self.stdout.write(print_json)

    def _region(self, code: str) -> Region:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise CommandError(_("unknown region %(code)s") % {"code": code})
        return region

    def _list(self) -> None:
        for run in EvaluationRun.objects.select_related("spec", "region")[:50]:
            self.stdout.write(
                f"{run.pk:>5}  {run.spec.code:<30} {run.period}  {run.region.name:<8} {run.entities:>7}  "
                f"{run.created:%Y-%m-%d %H:%M}  spec {run.spec_digest[:10]}  data {run.data_version or '—'}"
            )
        if not EvaluationSpec.objects.exists():
            self.stdout.write(_("no specs are loaded (run migrate)"))

    def _verify(self, run_id: int) -> None:
        run = EvaluationRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(_("no run %(id)s") % {"id": run_id})
        result = operations.verify_run(run)
        self.stdout.write(json.dumps(result, indent=2))
        if not result["identical"]:
            raise CommandError(_("the run does not reproduce"))
