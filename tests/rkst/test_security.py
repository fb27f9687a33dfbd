"""Accounts, headers, cookies, CSRF, escaping, error pages, security logs and backups."""

import json
import logging
import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.factories import make_actor, make_agreement, make_source, make_topic

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/admin/login/"
POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
XSS_TITLE = "<script>alert(1)</script>"
XSS_QUOTE = "<img src=x onerror=alert(1)>"


def boom(request):
    raise RuntimeError("secret detail SELECT * FROM rkst_user /srv/rkst/settings.py")


# A test-only URLconf: this module, for the friendly 500 page.
urlpatterns = [path("boom/", boom)]


def log_in(client, username="curator", password=PASSWORD, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra
    )


def security_events(caplog, event):
    return [r for r in caplog.records if r.name == "rkst.security" and r.event == event]


# Accounts


def test_password_validators_refuse_weak_passwords(curator):
    assert len(password_validation.get_default_password_validators()) == 4
    for weak in ("12345678", "password", "curator1", "short"):
        with pytest.raises(ValidationError):
            password_validation.validate_password(weak, user=curator)
    password_validation.validate_password("Карагандинский-уголь-1998", user=curator)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_login_is_locked_after_repeated_failures_even_with_the_right_password(client, curator):
    for _ in range(2):
        assert log_in(client, password="wrong").status_code == 200
    response = log_in(client, password="wrong")
    assert response.status_code == 429
    assert "rkst/lockout.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "3" in page and "15" in page  # the limit and the cool-off minutes
    response = log_in(client)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_lockout_holds_one_username_at_one_address(client, curator, editor):
    for _ in range(3):
        log_in(client, password="wrong")
    assert log_in(client).status_code == 429
    # The same account from another address, another account from the same address.
    assert log_in(Client(REMOTE_ADDR="192.0.2.10")).status_code == 302
    assert log_in(Client(), username="editor").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=timedelta(minutes=15))
def test_a_locked_login_opens_again_after_the_cool_off(client, curator):
    for _ in range(3):
        log_in(client, password="wrong")
    assert log_in(client).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = log_in(client)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(curator.pk)


def test_throttling_is_configured_from_the_environment():
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == int(os.environ.get("AXES_FAILURE_LIMIT") or 5)
    minutes = int(os.environ.get("AXES_COOLOFF_MINUTES") or 15)
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=minutes)


def test_the_session_key_changes_at_login(client, curator):
    anonymous = client.session
    anonymous["seen"] = True
    anonymous.save()
    before = anonymous.session_key
    assert log_in(client).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(curator.pk)


def test_logout_ends_the_session(client, curator):
    log_in(client)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/admin/").status_code == 200
    assert client.post("/admin/logout/").status_code == 200
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/admin/").status_code == 302


def test_a_deactivated_account_loses_access_at_once(curator_client, curator):
    assert curator_client.get("/admin/agreements/agreement/").status_code == 200
    curator.is_active = False
    curator.save()
    response = curator_client.get("/admin/agreements/agreement/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert log_in(Client()).status_code == 200  # and cannot log in again


# Headers and cookies


def assert_security_headers(response):
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert sorted(policy) == sorted(POLICY)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def published():
    source = make_source(key="xss-source", title="Источник", state="published")
    actor = make_actor(key="rosatom", name_ru="Росатом", state="published")
    agreement = make_agreement(
        key="xss", title_ru=XSS_TITLE, title_en=XSS_TITLE, parties=[actor], state="published"
    )
    agreement.citations.create(source=source, locator="с. 1", quote=XSS_QUOTE)
    actor.citations.create(source=source, quote="основан")
    return agreement


PUBLIC_PAGES = [
    "/",
    "/agreements/",
    "/agreements/xss/",
    "/actors/",
    "/actors/rosatom/",
    "/sources/",
    "/sources/xss-source/",
    "/projects/",
    "/en/agreements/xss/",
    "/no-such-page/",
    LOGIN,
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_page_sends_the_security_headers(client, published, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert_security_headers(response)


def test_admin_pages_send_the_security_headers(curator_client, published):
    for url in (
        "/admin/",
        "/admin/agreements/agreement/",
        f"/admin/agreements/agreement/{published.pk}/change/",
    ):
        response = curator_client.get(url)
        assert response.status_code == 200
        assert_security_headers(response)


@pytest.fixture(scope="module")
def https_settings():
    """The settings that HTTPS=true gives, read from a fresh interpreter."""
    names = [
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT",
    ]  # fmt: skip
    code = (
        "import json, rkst.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    env = {**os.environ, "HTTPS": "true", "SECRET_KEY": secrets.token_urlsafe(50)}
    for name in ("SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_PRELOAD"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_https_mode_turns_on_secure_cookies_hsts_and_the_redirect(https_settings):
    assert https_settings["SESSION_COOKIE_SECURE"] and https_settings["CSRF_COOKIE_SECURE"]
    assert https_settings["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert https_settings["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert https_settings["SECURE_HSTS_SECONDS"] == 31536000
    assert https_settings["SECURE_SSL_REDIRECT"]


def test_https_mode_cookies_and_headers(client, curator, https_settings):
    with override_settings(**https_settings):
        response = client.get("/agreements/")
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/agreements/"

        response = client.get(LOGIN, secure=True)
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert_security_headers(response)
        csrf = response.cookies["__Host-csrftoken"]
        response = log_in(client, secure=True)
        assert response.status_code == 302
        session = response.cookies["__Host-sessionid"]
        for cookie in (csrf, session):
            assert cookie["secure"] is True
            assert cookie["path"] == "/"
            assert cookie["domain"] == ""
            assert cookie["samesite"] == "Lax"
        assert session["httponly"] is True
        assert client.get("/admin/", secure=True).status_code == 200


def test_development_over_http_keeps_plain_cookies():
    # Settings as a fresh process reads them without HTTPS, whatever this run's environment.
    env = {k: v for k, v in os.environ.items() if k not in ("HTTPS", "SECURE_SSL_REDIRECT")}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "rkst.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["sessionid", "False", "False"]


def test_check_deploy_passes_in_https_mode_with_a_real_key():
    env = {**os.environ, "HTTPS": "true", "SECRET_KEY": secrets.token_urlsafe(50)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout


# CSRF


def test_the_login_form_refuses_a_post_without_the_csrf_token(curator):
    client = Client(enforce_csrf_checks=True)
    response = log_in(client)
    assert response.status_code == 403
    assert "Запрос отклонён" in response.content.decode()  # templates/403_csrf.html
    # With the token from the form, the same login goes through.
    client.get(LOGIN)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        LOGIN, {"username": "curator", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_admin_forms_refuse_posts_without_the_csrf_token(curator, published):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    base = "/admin/agreements/agreement/"
    for url in (
        f"{base}{published.pk}/change/",
        f"{base}add/",
        f"{base}{published.pk}/delete/",
        base,
        "/admin/password_change/",
        "/admin/logout/",
    ):
        response = client.post(url, {"title_ru": "Изменено", "post": "yes"})
        assert response.status_code == 403, url
    published.refresh_from_db()
    assert published.title_ru == XSS_TITLE


def _patterns(resolver):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern)
        elif isinstance(pattern, URLPattern):
            yield pattern


def test_no_view_is_exempt_from_csrf():
    exempt = [
        str(p.pattern)
        for p in _patterns(get_resolver())
        if getattr(p.callback, "csrf_exempt", False)
    ]
    assert exempt == []


# Curated text is escaped everywhere


def test_curated_html_is_escaped_on_public_pages(client, published):
    for url in ("/agreements/xss/", "/agreements/", "/sources/xss-source/", "/en/agreements/xss/"):
        page = client.get(url).content.decode()
        assert XSS_TITLE not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    for url in ("/agreements/xss/", "/sources/xss-source/"):
        page = client.get(url).content.decode()
        assert XSS_QUOTE not in page, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, url


def test_curated_html_is_escaped_in_the_admin(curator_client, published):
    change = f"/admin/agreements/agreement/{published.pk}/change/"
    for url in ("/admin/agreements/agreement/", change):
        page = curator_client.get(url).content.decode()
        assert XSS_TITLE not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    page = curator_client.get(f"/admin/agreements/agreement/{published.pk}/change/").content
    assert XSS_QUOTE not in page.decode()


# Errors


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_shows_the_friendly_page_without_details(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.CRITICAL, logger="django.request"):
        response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Ошибка сервера" in page and "Server error" in page
    for secret in ("secret detail", "SELECT", "/srv/", "Traceback", "RuntimeError", str(ROOT)):
        assert secret not in page
    assert_security_headers(response)


def test_a_missing_page_reveals_no_url_patterns(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "urlpatterns" not in page and "rkst.urls" not in page


# Security log


@override_settings(AXES_FAILURE_LIMIT=2)
def test_failed_logins_and_lockouts_are_logged(client, curator, caplog):
    caplog.set_level(logging.WARNING, logger="rkst.security")
    log_in(client, password="wrong")
    failed = security_events(caplog, "login_failed")
    assert len(failed) == 1
    assert failed[0].username == "curator" and failed[0].ip == "127.0.0.1"
    assert failed[0].levelname == "WARNING"
    assert "wrong" not in failed[0].getMessage()
    log_in(client, password="wrong")
    [lockout] = security_events(caplog, "lockout")
    assert lockout.username == "curator" and lockout.ip == "127.0.0.1"


def test_refused_requests_are_logged(editor_client, caplog):
    caplog.set_level(logging.WARNING, logger="rkst.security")
    # Neither curators nor editors manage accounts.
    assert editor_client.get("/admin/rkst/user/").status_code == 403
    [refused] = security_events(caplog, "forbidden")
    assert refused.username == "editor" and refused.path == "/admin/rkst/user/"


def test_csrf_refusals_are_logged(caplog):
    caplog.set_level(logging.WARNING, logger="rkst.security")
    assert log_in(Client(enforce_csrf_checks=True)).status_code == 403
    [refused] = security_events(caplog, "forbidden")
    assert refused.path == LOGIN and refused.method == "POST"


def test_a_proxy_forwarded_address_counts_only_when_trusted(rf):
    from rkst.security import client_ip_address

    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7", REMOTE_ADDR="127.0.0.1")
    assert client_ip_address(request) == "127.0.0.1"
    with override_settings(USE_X_FORWARDED_FOR=True):
        assert client_ip_address(request) == "198.51.100.7"


# Backups


def table_counts():
    skip = {"sessions", "axes"}
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in skip and model._meta.label != "rkst.CatalogueVersion"
    }


def build_catalogue(django_user_model):
    user = django_user_model.objects.create_user("keeper", password=PASSWORD, is_staff=True)
    user.groups.add(*apps.get_model("auth", "Group").objects.all())
    article = make_source(key="article", title="Статья", year=2020, state="published")
    russia = make_actor(key="russia", name_ru="Россия", kind="state", state="published")
    kazakhstan = make_actor(
        key="kazakhstan", name_ru="Казахстан", kind="state", country="KZ", state="published"
    )
    russia.aliases.create(name="РФ", kind="short")
    space = make_topic(code="space", name_ru="Космос")
    first = make_agreement(
        key="sti-1996",
        title_ru="Соглашение о сотрудничестве",
        parties=[russia, kazakhstan],
        state="published",
    )
    first.topics.add(space)
    first.citations.create(source=article, locator="с. 3", quote="25.11.1996 г.", added_by=user)
    second = make_agreement(
        key="protocol-2001", title_ru="Протокол", parties=[russia], state="published"
    )
    second.citations.create(source=article, locator="с. 4")
    second.relations_from.create(target=first, type="implements")
    make_agreement(key="draft", title_ru="Черновик")
    first.title_en = "Agreement on cooperation"
    first.save()  # a second history row
    # History that refers to a deleted record must survive too.
    gone = make_actor(key="gone")
    gone.aliases.create(name="Ушедший", kind="other")
    gone.delete()
    return user


def test_restore_refuses_a_database_that_is_not_empty(django_user_model, tmp_path):
    build_catalogue(django_user_model)
    dump = tmp_path / "catalogue.json"
    call_command("dump_catalogue", str(dump))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore_catalogue", str(dump))


def test_a_broken_dump_restores_nothing(django_user_model, tmp_path):
    build_catalogue(django_user_model)
    dump = tmp_path / "catalogue.json"
    call_command("dump_catalogue", str(dump))
    rows = json.loads(dump.read_text(encoding="utf-8"))
    for model in reversed(apps.get_models()):
        if model._meta.app_label in ("rkst", "actors", "agreements", "admin"):
            model._base_manager.all().delete()
    citation = next(r for r in rows if r["model"] == "agreements.agreementcitation")
    citation["fields"]["source"] = 999_999
    dump.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 (the database names the broken reference)
        call_command("restore_catalogue", str(dump))
    assert apps.get_model("agreements", "Agreement").objects.count() == 0
    assert apps.get_model("rkst", "Source").objects.count() == 0


def test_a_dump_needs_a_json_file_name(tmp_path):
    with pytest.raises(CommandError, match=".json"):
        call_command("dump_catalogue", str(tmp_path / "catalogue.txt"))
    assert list(tmp_path.iterdir()) == []


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_static_files_carry_the_security_headers_too():
    """whitenoise answers static files before the views' middleware: the headers come from
    middleware placed above it."""
    response = Client().get("/static/css/catalogue.css")
    assert response.status_code == 200
    assert b"{" in b"".join(response.streaming_content)
    assert_security_headers(response)
