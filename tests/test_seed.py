"""The seed catalogue in fixtures/: it loads (and loads again) into an empty database, every
record passes model validation, every published fact has its source, every quote is the
article's own words at the lines its locator names, and it holds what the article says."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction

from actors.models import Actor, ActorAlias, ActorCitation
from agreements.models import (
    Agreement,
    AgreementCitation,
    AgreementParty,
    AgreementRelation,
    AgreementRelationCitation,
    Project,
    ProjectCitation,
    ProjectFigure,
    ProjectParticipant,
    Topic,
)
from rkst.annotations import unsourced_facts
from rkst.models import (
    CitationRank,
    EditorialNote,
    EditorialNoteCitation,
    KnownGap,
    KnownGapCitation,
    KnownGapLink,
    PublicationState,
    Source,
)

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
FIXTURES = sorted(str(path) for path in (BASE_DIR / "fixtures").glob("*.json"))

MODELS = [
    Source,
    Actor,
    ActorAlias,
    ActorCitation,
    Topic,
    Agreement,
    AgreementParty,
    AgreementRelation,
    AgreementCitation,
    AgreementRelationCitation,
    Project,
    ProjectParticipant,
    ProjectFigure,
    ProjectCitation,
    EditorialNote,
    EditorialNoteCitation,
    KnownGap,
    KnownGapCitation,
    KnownGapLink,
]
CITATIONS = [
    ActorCitation,
    AgreementCitation,
    AgreementRelationCitation,
    ProjectCitation,
    EditorialNoteCitation,
    KnownGapCitation,
]
PUBLISHED = PublicationState.PUBLISHED

# A hyphen at the end of a line, between two letters: the word goes on on the next line.
LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])-\n\s*(?=[^\W\d_])")
MARK = "\u00ad"


def normalised(text):
    """The text with hyphenated line breaks joined (marked with a soft hyphen, since a line-end
    hyphen may also be a compound's own: "Восточно-\\nКазахстанской") and white space collapsed."""
    return re.sub(r"\s+", " ", LINE_END_HYPHEN.sub(MARK, text)).strip()


def holds(text, quote):
    """Whether the normalised `text` holds `quote` verbatim: with every line-end hyphen removed,
    or with some of them kept where they are the hyphen of a compound word."""
    if quote in text.replace(MARK, ""):
        return True
    pattern = "".join(f"[-{MARK}]" if ch == "-" else re.escape(ch) + f"{MARK}?" for ch in quote)
    return re.search(pattern, text) is not None


@pytest.fixture(scope="session")
def article_lines():
    """The article's lines, from the path settings.ARTICLE_PATH names (RKST_ARTICLE). Absent,
    the quote checks are skipped, saying so, unless RKST_REQUIRE_ARTICLE makes them required
    (.ci/run does)."""
    path = Path(settings.ARTICLE_PATH)
    if not path.is_file():
        message = (
            f"The article the seed comes from is not at {path}: set RKST_ARTICLE to its path "
            "to check the seed's quotes against it."
        )
        if settings.REQUIRE_ARTICLE:
            pytest.fail(message)
        pytest.skip(message)
    return path.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="session")
def article(article_lines):
    return normalised("\n".join(article_lines))


def lines_of(article_lines, locator):
    """The article's lines a locator names: "строка 47" or "строки 46–47"."""
    match = re.fullmatch(r"строк[аи] (\d+)(?:–(\d+))?", locator)
    assert match, f"not a line locator of the article: {locator!r}"
    first, last = int(match[1]), int(match[2] or match[1])
    assert 1 <= first <= last <= len(article_lines), locator
    return normalised("\n".join(article_lines[first - 1 : last]))


def load():
    call_command("loaddata", *FIXTURES, verbosity=0)


def all_citations():
    for model in CITATIONS:
        yield from model.objects.select_related("source", "found_in")


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


# --- loading and validation --------------------------------------------------------------------


def test_the_fixtures_are_the_five_seed_files():
    assert [Path(f).name for f in FIXTURES] == [
        "01_sources.json",
        "02_actors.json",
        "03_agreements.json",
        "04_projects.json",
        "05_editorial.json",
    ]


def test_the_fixtures_load_into_an_empty_database_twice_without_duplicates():
    assert not any(counts().values())
    load()
    first = counts()
    assert all(first.values()), first
    load()
    assert counts() == first
    framework = Agreement.objects.filter(key="ru-kz-scientific-technical-cooperation-1996")
    assert framework.count() == 1
    assert framework.get().party_set.count() == 2
    assert Actor.objects.get(key="sco").citations.filter(field="founded_on").count() == 2


def test_the_quote_check_joins_hyphenated_lines_and_rejects_other_words(article):
    assert holds(article, "Соглашения о научно-техническом сотрудничестве на первые пять лет")
    assert holds(article, "акиматом Восточно-Казахстанской области")  # a compound's hyphen
    assert holds(article, "ООО «ТестГен»")  # "Тест-\nГен": a word broken across lines
    assert not holds(article, "ШОС (15.06.2001)")
    assert not holds(article, "Соглашения о научно техническом сотрудничестве")


@pytest.fixture(scope="class")
def catalogue(django_db_setup, django_db_blocker):
    """The seed catalogue, loaded once for a class of tests inside a transaction that is rolled
    back after them (each test runs in a savepoint of its own)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        load()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.mark.usefixtures("catalogue")
class TestTheSeedCatalogue:
    def test_every_record_passes_model_validation(self):
        errors = []
        for model in MODELS:
            for obj in model.objects.all():
                try:
                    obj.full_clean()
                except ValidationError as error:
                    errors.append(f"{model.__name__} {obj}: {error.message_dict}")
        assert errors == []

    # --- sources and citations ----------------------------------------------------------------

    def test_every_published_record_is_cited(self):
        cited = {c.source.key for c in all_citations()}
        for source in Source.objects.filter(state=PUBLISHED):
            assert source.key == "article" or source.key in cited, source.key
        for model in (Actor, Agreement, Project):
            for record in model.objects.filter(state=PUBLISHED):
                assert record.citations.exists(), f"{model.__name__} {record.key}"
        for relation in AgreementRelation.objects.all():
            assert relation.citations.exists(), str(relation)
        for part in (*EditorialNote.objects.all(), *KnownGap.objects.all()):
            assert part.citations.exists(), part.key

    def test_published_records_link_only_to_published_records(self):
        def check(record, linked):
            if record.state == PUBLISHED and linked is not None:
                assert linked.state == PUBLISHED, f"{record.key} -> {linked.key}"

        for actor in Actor.objects.all():
            check(actor, actor.parent)
            check(actor, actor.located_in)
        for agreement in Agreement.objects.all():
            check(agreement, agreement.organisation)
            check(agreement, agreement.signed_place)
            for party in agreement.party_set.all():
                check(agreement, party.actor)
        for project in Project.objects.all():
            check(project, project.place)
            for participant in project.participant_set.all():
                check(project, participant.actor)
            for agreement in project.agreements.all():
                check(project, agreement)
        for citation in all_citations():
            assert citation.source.state == PUBLISHED
            assert citation.found_in is None or citation.found_in.state == PUBLISHED

    def test_every_quote_of_the_article_is_verbatim_at_the_lines_its_locator_names(
        self, article, article_lines
    ):
        source = Source.objects.get(key="article")
        checked = 0
        for citation in all_citations():
            if citation.source == source:
                where = citation.locator
            elif citation.found_in == source:
                where = citation.found_in_locator
            else:
                continue
            assert citation.quote, citation
            assert holds(article, citation.quote), citation.quote
            assert holds(lines_of(article_lines, where), citation.quote), (where, citation.quote)
            checked += 1
        assert checked > 300

    def test_the_article_is_recorded_without_inventing_its_bibliographic_record(self):
        article = Source.objects.get(key="article")
        assert article.state == PUBLISHED
        assert article.kind == Source.Kind.ARTICLE
        assert article.title_supplied and not article.complete
        assert (article.authors, article.container, article.year, article.pages) == (
            "",
            "",
            None,
            "",
        )
        assert "библиографическая запись статьи неизвестна" in article.notes
        assert "bibliographic record is unknown" in article.notes

    def test_the_works_the_article_cites_are_recorded_as_incomplete_with_what_it_tells(self):
        references = Source.objects.filter(key__startswith="ref-")
        assert sorted(int(s.key[4:]) for s in references) == list(range(1, 16))
        for work in references:
            assert work.title_supplied and not work.complete, work.key
            assert f"Источник [{work.key[4:]}] статьи" in work.notes, work.key
            assert work.state == PUBLISHED, f"{work.key} is cited nowhere"
        authors = {s.key: s.authors for s in references if s.authors}
        assert authors == {
            "ref-1": "Шапкин М. Н.",
            "ref-2": "Жундубаев М. К.",
            "ref-3": "Харланов А. С.",
            "ref-11": "Калинина М. И.",
            "ref-12": "Шугуров М. В.",
        }
        assert "с. 159 и 161–162" in Source.objects.get(key="ref-2").notes

    def test_what_the_article_relays_is_cited_to_the_work_at_its_page(self):
        relayed = {
            (c.source.key, c.locator)
            for c in all_citations()
            if c.found_in is not None and c.found_in.key == "article"
        }
        assert {
            ("ref-1", "с. 3"),
            ("ref-2", "с. 159"),
            ("ref-2", "с. 161–162"),
            ("ref-3", "с. 60"),
            ("ref-8", "с. 698"),
            ("ref-11", "с. 31"),
            ("ref-12", "с. 64"),
        } <= relayed
        assert {key for key, _ in relayed} == {f"ref-{n}" for n in range(1, 16)}
        zhundubaev = AgreementCitation.objects.get(
            record__key="altai-krai-east-kazakhstan-agreement-2010", source__key="ref-2"
        )
        assert zhundubaev.locator == "с. 159"
        assert zhundubaev.found_in_locator == "строки 172–175"
        assert "недостаток сопряженности нормативно-правовой базы" in zhundubaev.quote
        # a work the article cites is never cited as if it were the article itself
        for citation in all_citations():
            if citation.source.key.startswith("ref-"):
                assert citation.found_in is not None and citation.found_in.key == "article"

    # --- agreements ---------------------------------------------------------------------------

    def test_the_1996_framework_agreement_is_dated_to_the_day_with_both_governments(self):
        agreement = Agreement.objects.get(key="ru-kz-scientific-technical-cooperation-1996")
        assert agreement.state == PUBLISHED
        assert (agreement.kind, agreement.level) == ("agreement", "intergovernmental")
        assert agreement.signed_on == datetime.date(1996, 11, 25)
        assert agreement.signed_on_precision == "day"
        assert agreement.signed_place.key == "moscow"
        parties = [(p.actor.key, p.side) for p in agreement.party_set.order_by("order")]
        assert parties == [("government-russia", "RU"), ("government-kazakhstan", "KZ")]
        assert agreement.title_en.startswith("Agreement between the Government of the Russian")
        cited = set(agreement.citations.values_list("field", flat=True))
        assert {"title_ru", "signed_on", "signed_place", "parties", "summary_ru"} <= cited
        assert "ст. 5" not in agreement.citations.values_list("locator", flat=True)

    def test_agreements_carry_the_dates_and_places_the_article_gives(self):
        expected = {
            "ru-kz-friendship-treaty-1992": ("1992-05-25", "day", None, "treaty", "interstate"),
            "ru-kz-defence-industry-cooperation-1994": (
                "1994-03-28", "day", "moscow", "agreement", "intergovernmental"),
            "ru-kz-expansion-declaration-1995": (
                "1995-01-20", "day", "moscow", "declaration", "interstate"),
            "ru-kz-glonass-2008": ("2008-05-22", "day", "astana", "agreement", "intergovernmental"),
            "altai-krai-east-kazakhstan-agreement-2010": (
                "2010-09-23", "day", "ust-kamenogorsk", "agreement", "interregional"),
            "omsk-north-kazakhstan-memorandum-2005": (
                "2005-05-24", "day", None, "memorandum", "interregional"),
            "kz-ministry-academy-sb-ras-agreement-1998": (
                "1998-07-08", "day", "almaty", "agreement", "interacademy"),
            "baikonur-lease-1994": ("1994-12-10", "day", "moscow", "lease", "intergovernmental"),
            "kz-ru-science-new-technologies-programme-2001": (
                None, "", None, "programme", "intergovernmental"),
            "cis-common-scientific-technological-space-1995": (
                "1995-11-03", "day", None, "agreement", "multilateral"),
            "sco-scientific-technical-cooperation-2013": (
                "2013-09-13", "day", None, "agreement", "multilateral"),
            "eurochem-zhambyl-agreement-2020": (
                "2020-07-21", "day", None, "agreement", "corporate"),
            "ras-kz-academy-cooperation-treaty": (None, "", None, "contract", "interacademy"),
            "ru-international-sti-cooperation-concept": (None, "", None, "concept", "national"),
        }  # fmt: skip
        for key, (signed, precision, place, kind, level) in expected.items():
            agreement = Agreement.objects.get(key=key)
            assert (agreement.signed_on.isoformat() if agreement.signed_on else None) == signed, key
            assert agreement.signed_on_precision == precision, key
            assert (agreement.signed_place.key if agreement.signed_place else None) == place, key
            assert (agreement.kind, agreement.level) == (kind, level), key
        assert (
            Agreement.objects.get(key="sco-scientific-technical-cooperation-2013").organisation.key
            == "sco"
        )
        assert {a.key for a in Agreement.objects.filter(organisation__key="cis")} == {
            "cis-common-scientific-technological-space-1995",
            "cis-scientific-technical-cooperation-1992",
        }

    def test_every_agreement_has_parties_on_the_right_side(self):
        for agreement in Agreement.objects.all():
            parties = list(agreement.party_set.select_related("actor"))
            assert parties, agreement.key
            for party in parties:
                assert Actor.objects.filter(pk=party.actor_id).exists()
                if party.actor.country in ("RU", "KZ"):
                    assert party.side in (party.actor.country, "multilateral"), agreement.key
        altai = Agreement.objects.get(key="altai-krai-east-kazakhstan-agreement-2010")
        assert {(p.actor.key, p.side) for p in altai.party_set.all()} == {
            ("altai-krai-administration", "RU"),
            ("east-kazakhstan-akimat", "KZ"),
        }
        assert (
            Actor.objects.get(key="east-kazakhstan-akimat").parent.key == "east-kazakhstan-region"
        )
        academies = Agreement.objects.get(key="ras-kz-academy-cooperation-treaty")
        assert {p.actor.key for p in academies.party_set.all()} == {"ras", "kz-academy-of-sciences"}

    def test_the_article_names_every_one_of_these_documents(self):
        keys = set(Agreement.objects.values_list("key", flat=True))
        assert {
            "ru-kz-friendship-treaty-1992",
            "ru-kz-scientific-technical-cooperation-1996",
            "ru-kz-defence-industry-cooperation-1994",
            "kz-ru-scientific-personnel-1994",
            "ru-kz-culture-science-education-1994",
            "ru-kz-expansion-declaration-1995",
            "ru-kz-space-remote-sensing-1998",
            "ru-kz-outer-space-2008",
            "ru-kz-glonass-2008",
            "kz-ru-science-new-technologies-programme-2001",
            "kz-ru-commission-5th-session-protocol-2001",
            "altai-krai-east-kazakhstan-agreement-2010",
            "astrakhan-atyrau-protocol-2003",
            "astrakhan-west-kazakhstan-protocol-2010",
            "omsk-north-kazakhstan-memorandum-2005",
            "ras-kz-academy-cooperation-treaty",
            "kz-ministry-academy-sb-ras-agreement-1998",
            "ulnanotech-r-pharm-testgen-agreement",
            "baikonur-cis-strategic-forces-agreement-1992",
            "baikonur-principles-agreement-1994",
            "baikonur-lease-1994",
            "baikonur-effective-use-agreement-2004",
            "eurochem-zhambyl-agreement-2020",
            "cis-common-scientific-technological-space-1995",
            "cis-scientific-technical-cooperation-1992",
            "sco-scientific-technical-cooperation-2013",
            "ru-international-sti-cooperation-concept",
        } <= keys

    def test_relations_are_recorded_as_the_article_states_them(self):
        approved = AgreementRelation.objects.get(
            source__key="kz-ru-science-new-technologies-programme-2001", type="approved_by"
        )
        assert approved.target.key == "kz-ru-commission-5th-session-protocol-2001"
        assert approved.target.signed_on == datetime.date(2001, 2, 15)
        assert "протоколом 5-го заседания" in approved.citations.get().quote
        supplementing = set(
            AgreementRelation.objects.filter(
                type="supplements", target__key="ru-kz-scientific-technical-cooperation-1996"
            ).values_list("source__key", flat=True)
        )
        assert supplementing == {
            "ru-kz-defence-industry-cooperation-1994",
            "kz-ru-scientific-personnel-1994",
            "ru-kz-culture-science-education-1994",
            "ru-kz-expansion-declaration-1995",
            "ru-kz-space-remote-sensing-1998",
            "ru-kz-outer-space-2008",
            "ru-kz-glonass-2008",
        }
        quote = AgreementRelationCitation.objects.filter(
            record__source__key="ru-kz-glonass-2008"
        ).get()
        assert quote.quote.startswith("В дополнение данного рамочного Соглашения")

    def test_the_1994_1995_documents_said_to_supplement_the_1996_agreement_are_flagged(self):
        framework = Agreement.objects.get(key="ru-kz-scientific-technical-cooperation-1996")
        assert "1994–1995" in framework.curator_note
        for key in (
            "ru-kz-defence-industry-cooperation-1994",
            "kz-ru-scientific-personnel-1994",
            "ru-kz-culture-science-education-1994",
            "ru-kz-expansion-declaration-1995",
        ):
            earlier = Agreement.objects.get(key=key)
            assert earlier.signed_on < framework.signed_on
            # the relation is kept as the article states it, with a note, not silently "fixed"
            relation = AgreementRelation.objects.get(source=earlier, target=framework)
            assert relation.type == "supplements"
            assert "раньше" in relation.note
            assert "Несогласованность в статье" in earlier.curator_note
            assert "25.11.1996" in earlier.curator_note
            assert earlier.signed.numeric() in earlier.curator_note
        later = AgreementRelation.objects.get(source__key="ru-kz-glonass-2008", target=framework)
        assert later.note == ""

    # --- what the curators tell readers -------------------------------------------------------

    def test_the_doubts_are_editorial_notes_beside_their_facts(self, client, settings):
        settings.PAGE_CACHE_SECONDS = 0
        framework = "ru-kz-scientific-technical-cooperation-1996"
        older = [
            "ru-kz-defence-industry-cooperation-1994",
            "kz-ru-scientific-personnel-1994",
            "ru-kz-culture-science-education-1994",
            "ru-kz-expansion-declaration-1995",
        ]
        expected = {
            **{("agreement", key): "relations" for key in [framework, *older]},
            ("actor", "csto"): "founded_on",
            ("actor", "eaeu"): "founded_on",
            **{("actor", key): "" for key in ("union-state", "brics", "apec", "beac")},
            ("agreement", "ru-international-sti-cooperation-concept"): "summary_ru",
        }
        found = {
            (note.content_type.model, note.record.key): note.field
            for note in EditorialNote.objects.public().select_related("content_type")
        }
        assert found == expected
        for key in older:
            note = EditorialNote.objects.get(key=f"{key}-older-than-framework")
            assert "25.11.1996" in note.text_ru and "25 November 1996" in note.text_en
            assert Agreement.objects.get(key=key).signed.numeric() in note.text_ru
            assert note.citations.filter(quote__startswith="В дополнение данного").exists()
            page = client.get(f"/agreements/{key}/").content.decode()
            related = page[page.index("Связанные соглашения") :]
            assert "Это соглашение дополняет" in related
            assert "Редакционная заметка" in related and note.text_ru in related
            english = client.get(f"/en/agreements/{key}/").content.decode()
            assert note.text_en in english and note.text_ru not in english
        csto = client.get("/actors/csto/").content.decode()
        assert "Договора о коллективной безопасности" in csto and "Устав" in csto
        for key in ("union-state", "brics", "apec", "beac"):
            page = client.get(f"/actors/{key}/").content.decode()
            assert "Казахстан не входит ни в одно из этих объединений" in page

    def test_what_the_article_does_not_name_is_a_known_gap(self, client, settings):
        settings.PAGE_CACHE_SECONDS = 0
        baikonur = KnownGap.objects.get(key="baikonur-agreements")
        assert (baikonur.expected, baikonur.bound, baikonur.state) == (20, "more_than", PUBLISHED)
        assert baikonur.citations.filter(field="expected", quote__contains="более 20").exists()
        held = KnownGapLink.objects.public().filter(gap=baikonur, role="held")
        project = Project.objects.get(key="baikonur")
        assert {link.record for link in held} == set(project.agreements.all())
        # The number is no longer a figure of exactly 20: the gap says "more than 20".
        assert not project.figures.exists()
        supplements = KnownGap.objects.get(key="framework-1996-supplements")
        assert (supplements.expected, supplements.bound) == (None, "open")
        assert supplements.citations.filter(quote__contains="и другие").exists()
        held = KnownGapLink.objects.filter(gap=supplements, role="held").count()
        assert (
            held
            == AgreementRelation.objects.filter(
                type="supplements", target__key="ru-kz-scientific-technical-cooperation-1996"
            ).count()
        )
        page = client.get("/projects/baikonur/").content.decode()
        assert "Известный пробел" in page and "По источнику: более 20. В каталоге: 4." in page
        coverage = client.get("/coverage/").content.decode()
        assert 'id="gap-baikonur-agreements"' in coverage
        assert "По источнику: открытый перечень («и другие»). В каталоге: 7." in coverage
        english = client.get("/en/coverage/").content.decode()
        assert "By the source: more than 20. In the catalogue: 4." in english

    def test_no_published_fact_of_the_seed_lacks_a_source(self, client, settings):
        settings.PAGE_CACHE_SECONDS = 0
        assert [f"{f.record.key}: {f.field}" for f in unsourced_facts()] == []
        assert "Таких нет" in client.get("/coverage/").content.decode()

    # --- actors -------------------------------------------------------------------------------

    def test_the_sco_founding_keeps_both_claims_and_prefers_neither_unquoted(self):
        # The Declaration's date is not quoted from its text: it is kept as a claim, not
        # preferred; the catalogue holds the month both claims agree on.
        sco = Actor.objects.get(key="sco")
        assert (sco.founded_on, sco.founded_on_precision) == (datetime.date(2001, 6, 1), "month")
        claims = {c.source.key: c for c in sco.citations.filter(field="founded_on")}
        assert set(claims) == {"sco-declaration-2001", "article"}
        assert {c.rank for c in claims.values()} == {CitationRank.NORMAL}
        official = claims["sco-declaration-2001"]
        assert official.claim == "15.06.2001"
        assert "15.06.2001" not in official.quote and "не подтверждена" in official.note
        assert official.source.key == "sco-declaration-2001"
        assert official.source.kind == Source.Kind.OFFICIAL
        assert official.source.reliability == Source.Reliability.OFFICIAL
        assert (
            official.source.title == "Декларация о создании Шанхайской организации сотрудничества"
        )
        assert official.source.year == 2001 and "Шанхае 15 июня 2001 г." in official.source.notes
        article = claims["article"]
        assert (article.claim, article.quote) == ("14.06.2001", "ШОС (14.06.2001)")
        assert "15 июня 2001" in article.note
        assert "14.06.2001" in sco.curator_note

    def test_international_organisations_carry_the_founding_dates_the_article_gives(self):
        for key, founded in (
            ("cis", datetime.date(1991, 12, 8)),
            ("csto", datetime.date(1992, 5, 15)),
            ("eaeu", datetime.date(2015, 1, 1)),
            ("ru-kz-intergovernmental-commission", datetime.date(1997, 10, 4)),
        ):
            actor = Actor.objects.get(key=key)
            assert (actor.founded_on, actor.founded_on_precision) == (founded, "day"), key
            assert actor.citations.filter(field="founded_on", source__key="article").exists(), key
        group = Actor.objects.get(key="energia-nnc-joint-group")
        assert (group.founded_on, group.founded_on_precision) == (
            datetime.date(2006, 3, 1),
            "month",
        )
        fund = Actor.objects.get(key="ru-kz-nanotechnology-fund")
        assert fund.founded.display() == "2012"
        ussr = Actor.objects.get(key="ussr")
        assert (ussr.dissolved_on.year, ussr.dissolved_on_precision) == (1991, "year")

    def test_the_actors_the_article_names_are_in_the_catalogue(self):
        expected = {
            "russia": "state", "kazakhstan": "state", "ussr": "state", "china": "state",
            "government-russia": "government", "government-kazakhstan": "government",
            "kz-ministry-of-science-academy-of-sciences": "ministry",
            "altai-krai": "region", "east-kazakhstan-region": "region",
            "astrakhan-oblast": "region", "atyrau-region": "region",
            "west-kazakhstan-region": "region", "omsk-oblast": "region",
            "north-kazakhstan-region": "region", "zhambyl-region": "region",
            "altai-krai-administration": "administration",
            "east-kazakhstan-akimat": "administration", "atyrau-akimat": "administration",
            "west-kazakhstan-akimat": "administration", "north-kazakhstan-akimat": "administration",
            "astrakhan-oblast-administration": "administration",
            "omsk-oblast-government": "administration",
            "moscow": "city", "astana": "city", "almaty": "city", "ust-kamenogorsk": "city",
            "baikonur-city": "city", "kostanay": "city",
            "ras": "academy", "kz-academy-of-sciences": "academy", "sb-ras": "branch",
            "msu-kazakhstan-branch": "branch", "mai-voskhod-branch": "branch",
            "atiso-almaty-branch": "branch", "mesi-ust-kamenogorsk-branch": "branch",
            "chelsu-kostanay-branch": "branch",
            "cis-network-university": "university", "sco-network-university": "university",
            "jinr": "research", "nnc-kazakhstan": "research",
            "energia": "company", "helicopters-of-russia": "company",
            "kazakhstan-engineering": "company", "eurochem": "company", "ulnanotech": "company",
            "r-pharm-kazakhstan": "company", "testgen": "company", "rosnanotech": "company",
            "rvc": "company", "samruk-kazyna": "fund", "ru-kz-nanotechnology-fund": "fund",
            "ru-kz-intergovernmental-commission": "commission",
            "ru-kz-science-subcommission": "commission", "ru-kz-business-council": "commission",
            "innovation-working-group": "commission", "energia-nnc-joint-group": "commission",
            "ru-kz-border-regions-forum": "forum",
            "cis": "organisation", "csto": "organisation", "sco": "organisation",
            "eaeu": "organisation", "union-state": "organisation", "brics": "organisation",
            "apec": "organisation", "asem": "organisation", "beac": "organisation",
        }  # fmt: skip
        kinds = dict(Actor.objects.filter(key__in=expected).values_list("key", "kind"))
        assert kinds == expected
        branch = Actor.objects.get(key="mesi-ust-kamenogorsk-branch")
        assert (branch.parent.key, branch.located_in.key) == ("mesi", "ust-kamenogorsk")
        assert branch.located_in.located_in.key == "east-kazakhstan-region"
        assert Actor.objects.get(key="ru-kz-science-subcommission").parent.key == (
            "ru-kz-intergovernmental-commission"
        )
        assert ActorAlias.objects.filter(
            actor__key="almaty", name="Алма-Ата", kind="former"
        ).exists()

    # --- projects -----------------------------------------------------------------------------

    def test_project_figures_are_decimal_numbers_with_units(self):
        def figure(project, measure):
            row = ProjectFigure.objects.get(project__key=project, measure=measure)
            return row.value, row.unit

        assert figure("ru-kz-nanotechnology-fund", "capital") == (Decimal("100000000"), "USD")
        assert figure("eurochem-zhambyl-plant", "capacity") == (Decimal("1000000"), "t/year")
        assert figure("eurasia-high-speed-railway", "length") == (Decimal("9447"), "km")
        assert figure("eurasia-high-speed-railway", "length-in-russia") == (Decimal("2366"), "km")
        assert (
            ProjectFigure.objects.get(
                project__key="eurasia-high-speed-railway", measure="length"
            ).amount()
            == "9447"
        )
        for project in (
            "ru-kz-nanotechnology-fund",
            "eurochem-zhambyl-plant",
            "eurasia-high-speed-railway",
        ):
            assert ProjectCitation.objects.filter(record__key=project, field="figures").exists()
        eurasia = ProjectCitation.objects.get(
            record__key="eurasia-high-speed-railway", field="figures"
        )
        assert (eurasia.source.key, eurasia.found_in.key) == ("ref-14", "article")
        assert "9 тыс. 447 км" in eurasia.quote and "2 тыс. 366 км" in eurasia.quote

    def test_projects_rest_on_their_agreements_and_actors(self):
        baikonur = Project.objects.get(key="baikonur")
        assert (baikonur.started_on.year, baikonur.started_on_precision) == (1957, "year")
        assert baikonur.place.key == "baikonur-city"
        assert {a.key for a in baikonur.agreements.all()} == {
            "baikonur-cis-strategic-forces-agreement-1992",
            "baikonur-principles-agreement-1994",
            "baikonur-lease-1994",
            "baikonur-effective-use-agreement-2004",
        }
        assert baikonur.participant_set.get(actor__key="russia").role == "operator"
        plant = Project.objects.get(key="eurochem-zhambyl-plant")
        assert plant.place.key == "zhambyl-region"
        assert [a.key for a in plant.agreements.all()] == ["eurochem-zhambyl-agreement-2020"]
        assert plant.participant_set.get().actor.key == "eurochem"
        assert Project.objects.get(key="baiterek").started.display() == "2004"
        assert Project.objects.get(key="kazakhstan-study-quota").started_on.year == 2003
        nica = Project.objects.get(key="nica")
        assert nica.place.key == "jinr"
        fund = Project.objects.get(key="ru-kz-venture-fund")
        assert {p.actor.key for p in fund.participant_set.all()} == {
            "samruk-kazyna",
            "rosnanotech",
            "rvc",
        }
        keys = set(Project.objects.values_list("key", flat=True))
        assert {
            "baikonur", "baiterek", "kazsat", "phoenix-rocket", "nica", "eurochem-zhambyl-plant",
            "ru-kz-nanotechnology-fund", "eurasia-high-speed-railway", "kazakhstan-study-quota",
            "helicopter-service-assembly-centre", "nuclear-electric-propulsion-spacecraft",
            "kazakh-cosmonauts-iss", "ru-kz-venture-fund",
            "prenatal-oncology-diagnostics-kazakhstan",
        } <= keys  # fmt: skip

    # --- topics and the English catalogue -----------------------------------------------------

    def test_the_priority_directions_are_topics_in_russian_and_english(self):
        directions = [
            ("energy", "Энергетика", "Energy"),
            ("nuclear-energy", "Ядерная энергетика", "Nuclear energy"),
            ("energy-saving", "Энергосбережение", "Energy saving"),
            ("space-technologies", "Космические технологии", "Space technologies"),
            ("nanotechnologies", "Нанотехнологии", "Nanotechnologies"),
            ("transport-telecommunications", "Транспорт и телекоммуникации",
             "Transport and telecommunications"),
            ("agro-industrial-complex", "Аграрно-промышленный комплекс", "Agro-industrial complex"),
            ("manufacturing", "Обрабатывающая промышленность", "Manufacturing industries"),
            ("mechanical-engineering", "Машиностроение", "Mechanical engineering"),
            ("machine-tool-building", "Станкостроение", "Machine-tool building"),
            ("computer-technologies", "Компьютерные технологии", "Computer technologies"),
            ("medicine-biochemistry", "Медицина и биохимия", "Medicine and biochemistry"),
            ("biotechnologies", "Биотехнологии", "Biotechnologies"),
            ("environment-natural-resources",
             "Охрана окружающей среды и рациональное использование природных ресурсов",
             "Environmental protection and rational use of natural resources"),
        ]  # fmt: skip
        for code, name_ru, name_en in directions:
            assert Topic.objects.filter(code=code, name_ru=name_ru, name_en=name_en).exists(), code
        assert Topic.objects.get(code="nuclear-energy").parent.code == "energy"
        assert set(
            Agreement.objects.get(key="ru-kz-space-remote-sensing-1998").topics.values_list(
                "code", flat=True
            )
        ) == {"space-technologies", "aviation-technology", "remote-sensing"}

    def test_the_english_catalogue_is_complete(self):
        for actor in Actor.objects.all():
            assert actor.name_en, actor.key
            assert bool(actor.description_ru) == bool(actor.description_en), actor.key
        for agreement in Agreement.objects.all():
            assert agreement.title_en, agreement.key
            assert bool(agreement.summary_ru) == bool(agreement.summary_en), agreement.key
            if agreement.short_title_ru:
                assert agreement.short_title_en, agreement.key
        for project in Project.objects.all():
            assert project.name_en, project.key
            assert bool(project.description_ru) == bool(project.description_en), project.key
        assert all(Topic.objects.values_list("name_en", flat=True))
        assert all(ProjectFigure.objects.values_list("label_en", flat=True))
        for source in Source.objects.all():
            assert "English:" in source.notes, source.key
