import pytest

from actors.models import Actor, ActorAlias
from agreements.models import Agreement, Project
from rkst.search import normalise, search_document
from tests.factories import make_actor, make_agreement, make_project


def test_normalise_folds_case_yo_accents_and_punctuation():
    assert normalise("  Ёлка «Байконур»—Île  ") == "елка байконур ile"


def test_search_document_adds_both_transliterations():
    document = search_document("Усть-Каменогорск", "Байконур")
    assert "усть каменогорск байконур" in document
    assert "ust kamenogorsk baikonur" in document
    assert "baykonur" in document


@pytest.mark.django_db
def test_it_finds_cyrillic_whatever_the_case():
    memorandum = make_agreement(title_ru="Меморандум о сотрудничестве", kind="memorandum")
    make_agreement(title_ru="Соглашение о науке")
    assert list(Agreement.objects.search("меморандум")) == [memorandum]
    assert list(Agreement.objects.search("МЕМОРАНДУМ")) == [memorandum]


@pytest.mark.django_db
def test_it_finds_cyrillic_names_by_latin_transliteration():
    baikonur = make_project(name_ru="Космодром «Байконур»", name_en="")
    city = make_actor(name_ru="Усть-Каменогорск", name_en="", kind=Actor.Kind.CITY)
    assert list(Project.objects.search("baikonur")) == [baikonur]
    assert list(Project.objects.search("Baykonur")) == [baikonur]
    assert list(Actor.objects.search("Ust-Kamenogorsk")) == [city]


@pytest.mark.django_db
def test_it_reads_yo_as_ye():
    actor = make_actor(name_ru="Объединённый институт ядерных исследований")
    assert list(Actor.objects.search("объединенный")) == [actor]


@pytest.mark.django_db
def test_every_word_must_match():
    make_agreement(title_ru="Соглашение о космосе")
    assert not Agreement.objects.search("соглашение нефть").exists()


@pytest.mark.django_db
def test_an_alias_makes_its_actor_findable_and_stops_when_removed():
    sco = make_actor(name_ru="Шанхайская организация сотрудничества", kind="organisation")
    alias = ActorAlias.objects.create(actor=sco, name="ШОС", kind=ActorAlias.Kind.ACRONYM)
    assert list(Actor.objects.search("шос")) == [sco]
    assert list(Actor.objects.search("SHOS")) == [sco]
    alias.delete()
    assert not Actor.objects.search("шос").exists()


@pytest.mark.django_db
def test_it_finds_other_word_forms():
    agreement = make_agreement(title_ru="Соглашение о сотрудничестве", title_en="Agreement")
    assert list(Agreement.objects.search("соглашению")) == [agreement]
    assert list(Agreement.objects.search("сотрудничества")) == [agreement]
    assert list(Agreement.objects.search("agreements")) == [agreement]
    assert list(Project.objects.search("Байконуре")) == []
