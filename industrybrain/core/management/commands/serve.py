import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


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


class Command(BaseCommand):
    help = "Serve an existing data directory on 127.0.0.1 (one process, several threads: see DESIGN §2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, port: int, host: str, threads: int, **options: Any) -> None:
        from waitress import serve

        from industrybrain.wsgi import application

        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        from industrybrain.datahub.operations import reconcile_batches

        if settled := reconcile_batches():  # batches a crash left half-way are settled before serving
            self.stdout.write(f"Settled {settled} import batch(es) interrupted by a crash")
        start_deadline_timer(settings.SERVICEDESK_TICK_SECONDS)
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        self.stdout.write(self.style.SUCCESS(f"Industry Brain is serving on http://{host}:{port}/  (Ctrl-C stops)"))
        serve(application, host=host, port=port, threads=threads, ident="industrybrain")
