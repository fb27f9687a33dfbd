from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from rkst.roles import set_role


class Command(BaseCommand):
    help = (
        "Create the demo curator and the demo editor accounts if they do not exist, and print "
        "their logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="curator")
        parser.add_argument("--password", default="rkst-demo-curator")
        parser.add_argument("--editor-username", default="editor")
        parser.add_argument("--editor-password", default="rkst-demo-editor")

    def handle(self, *args, username, password, editor_username, editor_password, **options):
        self.demo(username, password, "curator", "Demo curator")
        self.demo(editor_username, editor_password, "editor", "Demo editor")

    def demo(self, username, password, role, label):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.set_password(password)
            user.save()
            set_role(user, role)
            self.stdout.write(
                self.style.SUCCESS(f"{label} created. Log in at /admin/ as {username} / {password}")
            )
        else:
            self.stdout.write(
                f"{label} {username} exists; its password is unchanged "
                f"(initially {password}). Log in at /admin/."
            )
