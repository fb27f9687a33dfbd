"""Who may do what: anonymous visitors, curators, editors and superusers against every admin
page and action, and every public page; and no draft reachable by any public URL, search,
filter, export or the sitemap, whoever asks.

Each case is one request with the status expected for each role: LOGIN is a redirect to the
admin's login page, REDIRECT any other redirect (a transition done, an action applied).
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from actors.models import Actor
from agreements.models import Agreement, AgreementRelation, Project, Topic
from rkst import imports
from rkst.models import EditorialNote, KnownGap, Source
from tests.factories import (
    make_actor,
    make_agreement,
    make_gap,
    make_note,
    make_project,
    make_source,
    make_topic,
)
from tests.sheets import xlsx

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "curator", "editor", "superuser")
LOGIN, REDIRECT = "login", "redirect"
ANYONE_STAFF = {"anonymous": LOGIN, "curator": 200, "editor": 200, "superuser": 200}
EDITORS = {"anonymous": LOGIN, "curator": 403, "editor": 200, "superuser": 200}
ADMINS = {"anonymous": LOGIN, "curator": 403, "editor": 403, "superuser": 200}
EVERYONE = dict.fromkeys(ROLES, 200)
NOWHERE = dict.fromkeys(ROLES, 404)
# A draft's public page: 404 for readers, a marked preview for curators and editors.
PREVIEW = "preview"

# What no public page may show: the drafts' names, titles and keys.
DRAFT_MARKERS = (
    "Черновой актор",
    "draft-actor",
    "Черновой источник",
    "draft-source",
    "Черновое соглашение",
    "draft-agreement",
    "Соглашение на проверке",
    "review-agreement",
    "Черновой проект",
    "draft-project",
    "Готовый актор",
    "Готовый источник",
    "ready-",
)


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """Four hundred requests, each with its own users: hashing their passwords properly
    would be most of the time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalogue():
    """Published records that link to drafts every way the model allows, and the drafts."""
    article = make_source(key="article", title="Статья о сотрудничестве", state="published")
    draft_source = make_source(key="draft-source", title="Черновой источник")
    russia = make_actor(key="russia", name_ru="Россия", kind="state", state="published")
    kazakhstan = make_actor(
        key="kazakhstan", name_ru="Казахстан", kind="state", country="KZ", state="published"
    )
    draft_actor = make_actor(
        key="draft-actor", name_ru="Черновой актор", kind="region", parent=russia
    )
    city = make_actor(
        key="omsk", name_ru="Омск", kind="city", located_in=draft_actor, state="published"
    )
    topic = make_topic(code="space", name_ru="Космос")
    published = make_agreement(
        key="published-agreement",
        title_ru="Соглашение о сотрудничестве",
        parties=[russia, kazakhstan, draft_actor],
        state="published",
    )
    published.topics.add(topic)
    published.citations.create(source=article, locator="с. 1")
    published.citations.create(source=draft_source, locator="с. 2")
    draft = make_agreement(key="draft-agreement", title_ru="Черновое соглашение", parties=[russia])
    draft.topics.add(topic)
    in_review = make_agreement(
        key="review-agreement", title_ru="Соглашение на проверке", state="review", parties=[russia]
    )
    relation = AgreementRelation.objects.create(source=draft, target=published, type="implements")
    AgreementRelation.objects.create(source=published, target=in_review, type="supplements")
    project = make_project(key="published-project", name_ru="Байтерек", state="published")
    project.participant_set.create(actor=draft_actor)
    project.agreements.add(published, draft)
    project.citations.create(source=article)
    draft_project = make_project(key="draft-project", name_ru="Черновой проект", place=city)
    draft_project.participant_set.create(actor=russia)
    draft_project.agreements.add(published)
    for actor in (russia, kazakhstan, city):
        actor.citations.create(source=article)
    note = make_note(published, "signed_on")
    note.citations.create(source=article, locator="с. 3")
    gap = make_gap(key="published-gap", state="published")
    gap.citations.create(source=article, locator="с. 4")
    gap.links.create(record=project, role="about")
    return {
        "records": {
            Source: article,
            Actor: russia,
            Agreement: published,
            Project: project,
            Topic: topic,
            AgreementRelation: relation,
            EditorialNote: note,
            KnownGap: gap,
        },
        "draft": draft,
    }


@pytest.fixture
def workbench(catalogue, curator):
    """The catalogue, a draft of each kind that may be published, and a curator's imports:
    one carried out, one previewed."""
    russia, kazakhstan = Actor.objects.get(key="russia"), Actor.objects.get(key="kazakhstan")
    article = catalogue["records"][Source]
    ready = {
        Source: make_source(key="ready-source", title="Готовый источник"),
        Actor: make_actor(key="ready-actor", name_ru="Готовый актор"),
        Agreement: make_agreement(key="ready-agreement", parties=[russia, kazakhstan]),
        Project: make_project(key="ready-project"),
        KnownGap: make_gap(key="ready-gap"),
    }
    for record in list(ready.values())[1:]:
        record.citations.create(source=article)

    content = xlsx([["key", "kind", "title"], ["imported", "article", "Импортированная"]])
    batch = imports.new_batch("sources", "s.xlsx", ContentFile(content), user=curator)
    assert imports.preview(batch).ok and imports.confirm(batch).ok
    previewed = imports.new_batch("sources", "p.xlsx", ContentFile(content), user=curator)
    imports.preview(previewed)
    return {**catalogue, "ready": ready, "batch": batch, "preview": previewed}


@pytest.fixture
def as_role(request):
    def client_for(role):
        client = Client()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return client_for


def check_status(response, expected, url):
    if expected == LOGIN:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    elif expected == REDIRECT:
        assert response.status_code == 302, url
        assert not response["Location"].startswith(reverse("admin:login")), url
    else:
        assert response.status_code == expected, (url, response.status_code)


# Admin


@dataclass
class Case:
    name: str
    url: object  # catalogue -> url
    expected: dict
    method: str = "get"
    data: dict = field(default_factory=dict)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


ADMIN_MODELS = (
    Source, Actor, Agreement, Project, Topic, AgreementRelation, KnownGap, EditorialNote,
)  # fmt: skip
CURATED = (Source, Actor, Agreement, Project, KnownGap)
# Whole records only editors delete; the parts of a record (a relation, a note) curators too.
DELETE = {model: EDITORS for model in (Source, Actor, Agreement, Project, Topic, KnownGap)}
DELETE[AgreementRelation] = DELETE[EditorialNote] = ANYONE_STAFF
# A note is added on the page of the record it concerns, not on its own.
ADD = {model: ANYONE_STAFF for model in ADMIN_MODELS}
ADD[EditorialNote] = {"anonymous": LOGIN, "curator": 403, "editor": 403, "superuser": 403}


def record_cases(model):
    name = model.__name__
    cases = [
        Case(f"{name} changelist", lambda c, m=model: admin_url(m, "changelist"), ANYONE_STAFF),
        Case(f"{name} add", lambda c, m=model: admin_url(m, "add"), ADD[model]),
        Case(
            f"{name} change",
            lambda c, m=model: admin_url(m, "change", c["records"][m].pk),
            ANYONE_STAFF,
        ),
        Case(
            f"{name} delete",
            lambda c, m=model: admin_url(m, "delete", c["records"][m].pk),
            DELETE[model],
        ),
        Case(
            f"{name} history",
            lambda c, m=model: admin_url(m, "history", c["records"][m].pk),
            ANYONE_STAFF,
        ),
    ]
    if model in CURATED:
        cases += [
            Case(
                f"{name} one version",
                lambda c, m=model: admin_url(
                    m,
                    "simple_history",
                    c["records"][m].pk,
                    c["records"][m].history.last().history_id,
                ),
                ANYONE_STAFF,
            ),
            Case(
                f"{name} one version saved back",
                lambda c, m=model: admin_url(
                    m,
                    "simple_history",
                    c["records"][m].pk,
                    c["records"][m].history.last().history_id,
                ),
                {"anonymous": LOGIN, "curator": 405, "editor": 405, "superuser": 405},
                "post",
            ),
            Case(
                f"{name} revert",
                lambda c, m=model: admin_url(
                    m, "revert", c["records"][m].pk, c["records"][m].history.last().history_id
                ),
                EDITORS,
            ),
            Case(
                f"{name} submit",
                lambda c, m=model: admin_url(m, "transition", c["ready"][m].pk, "submit"),
                {
                    "anonymous": LOGIN,
                    "curator": REDIRECT,
                    "editor": REDIRECT,
                    "superuser": REDIRECT,
                },  # fmt: skip
                "post",
            ),
            Case(
                f"{name} publish",
                lambda c, m=model: admin_url(m, "transition", c["ready"][m].pk, "publish"),
                {"anonymous": LOGIN, "curator": 403, "editor": REDIRECT, "superuser": REDIRECT},
                "post",
            ),
            Case(
                f"{name} withdraw",
                lambda c, m=model: admin_url(m, "transition", c["records"][m].pk, "withdraw"),
                {"anonymous": LOGIN, "curator": 403, "editor": REDIRECT, "superuser": REDIRECT},
                "post",
            ),
        ]
    return cases


SHEETS = {Source: "sources", Actor: "actors", Agreement: "agreements"}

ADMIN_CASES = [
    *[case for model in ADMIN_MODELS for case in record_cases(model)],
    *[
        Case(
            f"{model.__name__} export",
            lambda c, m=model: admin_url(m, "export_sheet"),
            ANYONE_STAFF,
        )  # fmt: skip
        for model in SHEETS
    ],
    Case("admin index", lambda c: reverse("admin:index"), ANYONE_STAFF),
    Case("dashboard", lambda c: reverse("dashboard"), ANYONE_STAFF),
    Case("publication log", lambda c: reverse("admin:rkst_transition_changelist"), ANYONE_STAFF),
    Case("imports", lambda c: reverse("admin:rkst_importbatch_changelist"), ANYONE_STAFF),
    Case(
        "import batch",
        lambda c: reverse("admin:rkst_importbatch_change", args=[c["batch"].pk]),
        ANYONE_STAFF,
    ),
    Case("import upload", lambda c: reverse("admin:rkst_importbatch_upload"), ANYONE_STAFF),
    Case(
        "import preview of a curator's file",
        lambda c: reverse("admin:rkst_importbatch_preview", args=[c["preview"].pk]),
        {"anonymous": LOGIN, "curator": 200, "editor": 403, "superuser": 200},
    ),
    Case(
        "import template",
        lambda c: reverse("admin:rkst_importbatch_template", args=["agreements"]),
        ANYONE_STAFF,
    ),
    Case(
        "export a sheet",
        lambda c: reverse("admin:rkst_importbatch_export", args=["agreements"]),
        ANYONE_STAFF,
    ),
    Case(
        "undo import",
        lambda c: reverse("admin:rkst_importbatch_undo", args=[c["batch"].pk]),
        EDITORS,
    ),
    Case("accounts", lambda c: reverse("admin:rkst_user_changelist"), ADMINS),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ADMIN_CASES, ids=lambda case: case.name)
def test_admin_permission_matrix(case, role, workbench, as_role):
    url = case.url(workbench)
    response = getattr(as_role(role), case.method)(url, case.data)
    check_status(response, case.expected[role], url)


ACTIONS = {
    "submit_for_review": ("ready", "review"),
    "publish": ("ready", "published"),
    "withdraw": ("records", "draft"),
}
MAY_ACT = {
    "submit_for_review": {"curator", "editor", "superuser"},
    "publish": {"editor", "superuser"},
    "withdraw": {"editor", "superuser"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("model", CURATED, ids=lambda m: m.__name__)
def test_admin_action_matrix(model, action, role, workbench, as_role):
    group, after = ACTIONS[action]
    record = workbench[group][model]
    before = record.state
    url = admin_url(model, "changelist")
    response = as_role(role).post(url, {"action": action, "_selected_action": [record.pk]})
    if role == "anonymous":
        check_status(response, LOGIN, url)
    else:
        check_status(response, REDIRECT, url)
    record.refresh_from_db()
    assert record.state == (after if role in MAY_ACT[action] else before)


# Public pages


def public_pages(c):
    published, draft = c["records"][Agreement], c["draft"]
    return {
        "/": 200,
        "/agreements/": 200,
        f"/agreements/{published.key}/": 200,
        "/actors/": 200,
        "/actors/russia/": 200,
        "/actors/omsk/": 200,
        "/projects/": 200,
        "/projects/published-project/": 200,
        "/sources/": 200,
        "/sources/article/": 200,
        "/en/": 200,
        f"/en/agreements/{published.key}/": 200,
        "/en/actors/russia/": 200,
        # Exports of every list, whole and filtered.
        "/agreements/?export=json": 200,
        "/agreements/?export=csv": 200,
        "/actors/?export=json": 200,
        "/projects/?export=json": 200,
        "/sources/?export=json": 200,
        # Search for the drafts, and filters naming them.
        "/agreements/?q=Черновое": 200,
        "/agreements/?q=проверке": 200,
        "/actors/?q=Черновой": 200,
        "/projects/?q=Черновой": 200,
        "/sources/?q=Черновой": 200,
        "/agreements/?party=draft-actor": 200,
        "/agreements/?region=draft-actor": 200,
        "/agreements/?party=draft-actor&export=json": 200,
        "/actors/?region=draft-actor": 200,
        "/projects/?participant=draft-actor": 200,
        "/sitemap.xml": 200,
        "/coverage/": 200,
        "/en/coverage/": 200,
        # The drafts themselves: previews for curators and editors, nothing for readers.
        f"/agreements/{draft.key}/": PREVIEW,
        "/agreements/review-agreement/": PREVIEW,
        "/actors/draft-actor/": PREVIEW,
        "/projects/draft-project/": PREVIEW,
        "/sources/draft-source/": PREVIEW,
        f"/en/agreements/{draft.key}/": PREVIEW,
        "/en/actors/draft-actor/": PREVIEW,
        "/agreements/ready-agreement/": 404,
    }


PUBLIC_PATHS = list(public_pages({"records": {Agreement: Agreement(key="published-agreement")},
                                  "draft": Agreement(key="draft-agreement")}))  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_permission_matrix(path, role, catalogue, as_role):
    """Every public page answers everyone alike, and shows no draft to anyone but a
    draft's own page to curators and editors, marked as a preview and never stored."""
    expected = public_pages(catalogue)[path]
    response = as_role(role).get(path)
    if expected == PREVIEW:
        assert response.status_code == (404 if role == "anonymous" else 200), path
        if role != "anonymous":
            assert 'class="draft-banner"' in response.content.decode(), path
            assert "no-store" in response["Cache-Control"], path
        return
    assert response.status_code == expected, path
    if expected == 200:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        # A filter's own value is echoed back to the reader; that reveals nothing.
        shown = [marker for marker in DRAFT_MARKERS if marker in text and marker not in path]
        assert shown == [], f"{path} shows {shown}"


def test_the_published_pages_show_what_they_should(catalogue, client):
    """A control for the matrix: the published records are there, so their absence of
    drafts is not an empty page's."""
    page = client.get("/agreements/published-agreement/").content.decode()
    assert "Соглашение о сотрудничестве" in page and "Россия" in page
    assert "Статья о сотрудничестве" in page
    assert "Байтерек" in client.get("/projects/").content.decode()
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/agreements/published-agreement/" in sitemap
