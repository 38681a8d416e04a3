import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def start_deadline_timer(every: int) -> None:
    """The service desk's deadline warnings and 督办 referrals, from a daemon thread of the serving process
    (the embedded set-up has no cron; a deployment may run `servicedesk_tick` instead and set 0 here)."""
    if every <= 0:
        return

    def tick() -> None:
        from django.db import close_old_connections

        from industrybrain.servicedesk.operations import check_deadlines

        while True:
            close_old_connections()
            try:
                check_deadlines()
            except Exception:  # a failed round is retried at the next; the server must not stop for it
                logging.getLogger("industrybrain.servicedesk").exception("deadline check failed")
            time.sleep(every)

    threading.Thread(target=tick, name="servicedesk-deadlines", daemon=True).start()


def provide_assets(command: BaseCommand) -> bool:
    """Run `industrybrain assets` before serving (before collectstatic copies its files); a failure is reported
    and serving goes on: pages work without the vendor scripts, only charts are missing."""
    try:
        call_command("assets", fail_fast=True, timeout=180, stdout=command.stdout, stderr=command.stderr)
    except CommandError as error:
        command.stderr.write(f"Front-end assets are missing: pages work, but without charts.\n{error}")
        return False
    return True


logger = logging.getLogger(__name__)


def start_warm_up() -> None:
    """Build the users' overviews in the background while the server starts answering (see overview.warm)."""
    from industrybrain.cockpit.overview import warm

    def run() -> None:
        from django.db import connections

        try:
            warm()
        except Exception:  # a warm-up is an optimisation: the pages build on demand as before
            logger.exception("warming the cockpit's cache failed")
        finally:
            connections.close_all()  # this thread's own connection, not left to the garbage collector

    threading.Thread(target=run, name="cockpit-warm-up", daemon=True).start()


class Command(BaseCommand):
    help = "Serve an existing data directory on 127.0.0.1 (one process, several threads: see DESIGN §2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-assets", action="store_true", help="do not run `industrybrain assets` (npm) before serving"
        )

    def handle(self, *args: Any, port: int, host: str, threads: int, no_assets: bool, **options: Any) -> None:
        from waitress import serve

        if not no_assets:
            provide_assets(self)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        from industrybrain.datahub.operations import reconcile_batches

        if settled := reconcile_batches():  # batches a crash left half-way are settled before serving
            self.stdout.write(f"Settled {settled} import batch(es) interrupted by a crash")
        start_deadline_timer(settings.SERVICEDESK_TICK_SECONDS)
        start_warm_up()
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        self.stdout.write(self.style.SUCCESS(f"Industry Brain is serving on http://{host}:{port}/  (Ctrl-C stops)"))
        # Loaded only now: WhiteNoise lists the static files when the application is built, after assets/collectstatic.
        from industrybrain.wsgi import application

        serve(application, host=host, port=port, threads=threads, ident="industrybrain")
