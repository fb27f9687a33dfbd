"""Accounts: the demo logins of `make run`, `create_account`, and the role in the user admin."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from rkst.roles import role_of

pytestmark = pytest.mark.django_db

User = get_user_model()
STRONG = "Kazakh-steppe-1996"


def can_use_admin(username, password):
    client = Client()
    login = client.post(reverse("admin:login"), {"username": username, "password": password})
    assert login.status_code == 302, login.content.decode()[:2000]
    return client.get(reverse("admin:agreements_agreement_changelist")).status_code == 200


def test_make_run_creates_a_demo_curator_and_a_demo_editor_and_prints_both_logins():
    out = io.StringIO()
    call_command("demo_curator", stdout=out)
    text = out.getvalue()
    assert "curator / rkst-demo-curator" in text
    assert "editor / rkst-demo-editor" in text
    curator, editor = User.objects.get(username="curator"), User.objects.get(username="editor")
    assert (role_of(curator), role_of(editor)) == ("curator", "editor")
    assert can_use_admin("curator", "rkst-demo-curator")
    assert can_use_admin("editor", "rkst-demo-editor")
    assert editor.has_perm("agreements.publish_agreement")
    assert not curator.has_perm("agreements.publish_agreement")
    # Run again, it changes nothing and says so.
    again = io.StringIO()
    call_command("demo_curator", stdout=again)
    assert "exists" in again.getvalue() and User.objects.count() == 2


@pytest.mark.parametrize("role, group", [("curator", "curators"), ("editor", "editors")])
def test_create_account_makes_a_working_staff_account_in_one_step(role, group):
    call_command(
        "create_account", "aigerim", "--role", role, "--password", STRONG, stdout=io.StringIO()
    )
    user = User.objects.get(username="aigerim")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert can_use_admin("aigerim", STRONG)


def test_create_account_reads_the_password_from_standard_input():
    call_command(
        "create_account", "boris", "--role", "editor", stdin=io.StringIO(STRONG + "\n"),
        stdout=io.StringIO(),
    )  # fmt: skip
    assert can_use_admin("boris", STRONG)


def test_create_account_asks_twice_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    answers = iter([STRONG, "something else"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("create_account", "dana", "--role", "curator", stdin=Terminal())
    assert not User.objects.filter(username="dana").exists()
    answers = iter([STRONG, STRONG])
    call_command(
        "create_account", "dana", "--role", "curator", stdin=Terminal(), stdout=io.StringIO()
    )
    assert can_use_admin("dana", STRONG)


def test_create_account_refuses_a_weak_password_and_an_existing_name():
    with pytest.raises(CommandError, match="short|common|короток|распространён"):
        call_command("create_account", "erlan", "--role", "curator", "--password", "12345")
    assert not User.objects.filter(username="erlan").exists()
    call_command(
        "create_account", "erlan", "--role", "curator", "--password", STRONG, stdout=io.StringIO()
    )
    with pytest.raises(CommandError, match="exists"):
        call_command("create_account", "erlan", "--role", "editor", "--password", STRONG)
    assert role_of(User.objects.get(username="erlan")) == "curator"


def change(client, user, role):
    data = {
        "username": user.username,
        "is_active": "on",
        "role": role,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    return client.post(reverse("admin:rkst_user_change", args=[user.pk]), data)


def test_the_user_admin_shows_and_sets_the_role_in_one_field(superuser_client, curator):
    page = superuser_client.get(reverse("admin:rkst_user_change", args=[curator.pk]))
    html = page.content.decode()
    assert 'name="role"' in html and '<option value="curator" selected>' in html
    assert 'name="is_staff"' not in html and 'name="groups"' not in html

    assert change(superuser_client, curator, "editor").status_code == 302
    curator.refresh_from_db()
    assert role_of(curator) == "editor" and curator.is_staff
    assert list(curator.groups.values_list("name", flat=True)) == ["editors"]

    assert change(superuser_client, curator, "").status_code == 302
    curator.refresh_from_db()
    assert role_of(curator) == "" and not curator.is_staff
    assert not curator.groups.exists()

    listing = superuser_client.get(reverse("admin:rkst_user_changelist")).content.decode()
    assert "Роль" in listing


def test_an_account_added_with_a_role_can_log_in_to_the_admin(superuser_client):
    response = superuser_client.post(
        reverse("admin:rkst_user_add"),
        {"username": "gulnara", "usable_password": "true", "password1": STRONG,
         "password2": STRONG, "role": "curator"},
    )  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(username="gulnara")
    assert user.is_staff and role_of(user) == "curator"
    assert can_use_admin("gulnara", STRONG)
