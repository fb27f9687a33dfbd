"""The curators' and editors' groups and the model permissions each holds.

Curators add, change and view every catalogue record and may remove the parts of a record
(a party, an alias, a citation); editors may also publish and delete whole records. Both may
read the history, import and export spreadsheets; only editors may undo an import or publish
on import (with the model's publish permission). Neither manages user accounts.
`sync_groups` is idempotent: a data migration calls it again whenever catalogue models or
permissions are added.
"""

from .apps import CATALOGUE_APPS

# Whole records, which only editors may delete.
RECORDS = ("source", "actor", "agreement", "project", "topic", "knowngap")
ROLES = {
    "curators": {"add", "change", "view", "delete_part", "import", "export"},
    "editors": {
        "add",
        "change",
        "view",
        "delete_part",
        "delete",
        "publish",
        "import",
        "export",
        "undo",
    },
}


def _grants(permission, actions):
    action = permission.codename.split("_", 1)[0]
    model = permission.content_type.model
    if model in ("user", "historicaluser"):
        return False
    if model.startswith("historical"):
        # History is read, never written by hand.
        return action == "view"
    if action == "delete" and model not in RECORDS:
        return "delete_part" in actions
    return action in actions


def sync_groups(apps, schema_editor=None):
    from django.contrib.auth.management import create_permissions

    # Permissions are otherwise created only after all migrations have run.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    catalogue = Permission.objects.filter(
        content_type__app_label__in=CATALOGUE_APPS
    ).select_related("content_type")
    for name, actions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([p for p in catalogue if _grants(p, actions)])


# The role a staff account has, by the group that grants it.
ROLE_GROUPS = {"curator": "curators", "editor": "editors"}


def role_of(user):
    """ "curator", "editor" or "" (none): an editor's group wins over a curator's."""
    names = {group.name for group in user.groups.all()}
    for role in ("editor", "curator"):
        if ROLE_GROUPS[role] in names:
            return role
    return ""


def set_role(user, role):
    """Give a saved account `role` ("curator", "editor" or "" for none): its role group, and
    `is_staff` so that it may log in to the admin (kept for a superuser)."""
    from django.contrib.auth.models import Group

    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS.values()))
    if role:
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    staff = bool(role) or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


def create_account(username, role, password):
    """A new staff account with `role`, its password checked by the password validators
    (ValidationError otherwise)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.db import transaction

    User = get_user_model()
    user = User(username=username)
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.is_staff = True
        user.save()
        set_role(user, role)
    return user
