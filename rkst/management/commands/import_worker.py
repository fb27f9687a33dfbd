from django.core.management import call_command
from django.core.management.base import BaseCommand

from rkst.imports import jobs


class Command(BaseCommand):
    help = (
        "Run the worker of the queued imports (django-tasks' database worker, db_worker): "
        "first mark failed the imports of workers that died, then run each queued check and "
        "confirmation as it comes. Stop it with Ctrl-C or SIGTERM: it ends the job it runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between looks at the queue while it is empty (default 1).",
        )
        parser.add_argument("--batch", action="store_true", help="Run the queued jobs, then exit.")
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="Exit after running this many jobs."
        )

    def handle(self, *args, interval, batch, max_tasks, **options):
        for failed in jobs.reap():
            self.stdout.write(f"Import #{failed.pk} ({failed.file_name}): its worker died.")
        worker_options = {"interval": interval, "batch": batch, "reload": False}
        if max_tasks:
            worker_options["max_tasks"] = max_tasks
        call_command(
            "db_worker",
            startup_delay=False,
            verbosity=options["verbosity"],
            stdout=self.stdout._out,
            stderr=self.stderr._out,
            **worker_options,
        )
