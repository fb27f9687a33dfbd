from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from rkst.apps import CATALOGUE_APPS
from rkst.workflow import writing

REASON = "Loaded without history"


class Command(BaseCommand):
    help = (
        "Give every catalogue record and part that has no history its first historical row, "
        "many-to-many links included, all at one moment: a published record then has its "
        "version 1 (rkst.versions), with its parts. With --load, first load the fixtures "
        "given, writing no history while they load. Records with history are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--load", nargs="+", default=[], metavar="FIXTURE")

    def handle(self, *args, load, **options):
        with transaction.atomic():
            if load:
                # A load writes rows piece by piece (a record, then its links, then its
                # parts): their history would date a record before its parts.
                with override_settings(SIMPLE_HISTORY_ENABLED=False):
                    call_command("loaddata", *load, stdout=self.stdout)
            total = self.record(timezone.now())
        self.stdout.write(self.style.SUCCESS(f"{total} records given their first history row."))

    def record(self, now):
        total = 0
        for model in apps.get_models():
            meta = model._meta
            if meta.app_label not in CATALOGUE_APPS or not hasattr(
                meta, "simple_history_manager_attribute"
            ):
                continue
            recorded = model.history.values(meta.pk.attname)
            objs = list(model._default_manager.exclude(pk__in=recorded).order_by("pk"))
            writing.record_history(objs, None, [REASON] * len(objs), "+", at=now)
            total += len(objs)
        return total
