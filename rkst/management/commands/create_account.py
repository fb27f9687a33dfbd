import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rkst.roles import ROLE_GROUPS, create_account


class Command(BaseCommand):
    help = (
        "Create a staff account that may log in to the admin as a curator or an editor. "
        "Without --password the password is asked twice on a terminal, or read from the "
        "first line of standard input."
    )

    # call_command(..., stdin=...) in the tests.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_GROUPS))
        parser.add_argument(
            "--password", help="The password (visible in the shell's history: prefer the prompt)."
        )

    def read_password(self, stdin):
        if not stdin.isatty():
            return stdin.readline().rstrip("\r\n")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return password

    def handle(self, *args, username, role, password, **options):
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"The account {username} exists already.")
        if password is None:
            password = self.read_password(options.get("stdin") or sys.stdin)
        try:
            create_account(username, role, password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Account {username} ({role}) created. Log in at /admin/.")
        )
