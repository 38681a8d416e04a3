from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


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
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        self.stdout.write(self.style.SUCCESS(f"Industry Brain is serving on http://{host}:{port}/  (Ctrl-C stops)"))
        serve(application, host=host, port=port, threads=threads, ident="industrybrain")
