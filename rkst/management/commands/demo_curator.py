from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a demo curator account if it does not exist, and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="curator")
        parser.add_argument("--password", default="rkst-demo-curator")

    def handle(self, *args, username, password, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name="curators"))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo curator created. Log in at /admin/ as {username} / {password}"
                )
            )
        else:
            self.stdout.write(
                f"Demo curator {username} exists; its password is unchanged "
                f"(initially {password}). Log in at /admin/."
            )
