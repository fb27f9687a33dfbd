"""Exports a program can read: a cell of several values splits back into exactly those
values whatever they hold, and the XLSX file carries parts on sheets of their own."""

import csv
import io

import pytest
from openpyxl import load_workbook

from agreements.models import AgreementCitation
from rkst.exports import split_cell
from rkst.models import EditorialNoteCitation
from tests.factories import make_actor, make_agreement, make_note, make_source

pytestmark = pytest.mark.django_db

QUOTE = "подписали; в г. Астане, 2004 г.; стороны: Россия; Казахстан"
AWKWARD = "раз\x1eдва\x1fтри"  # the separators themselves, in a curator's text


@pytest.fixture
def agreement():
    source = make_source(key="article", state="published")
    russia = make_actor(key="russia", name_ru="Россия; РФ", state="published")
    kazakhstan = make_actor(key="kazakhstan", name_ru="Казахстан", state="published")
    record = make_agreement(key="pact", parties=[russia, kazakhstan], state="published")
    for locator, quote in [("с. 1", QUOTE), ("с. 2", AWKWARD)]:
        AgreementCitation.objects.create(record=record, source=source, locator=locator, quote=quote)
    return record


def csv_rows(client, url):
    body = client.get(url, {"export": "csv"}).content.decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(body))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_csv_cells_of_several_values_split_back_into_them(client, agreement):
    (row,) = csv_rows(client, "/agreements/")
    assert [party[0] for party in split_cell(row["parties"])] == ["russia", "kazakhstan"]
    russia = split_cell(row["parties"])[0]
    assert (russia[1], russia[3]) == ("Россия; РФ", "party")
    citations = split_cell(row["citations"])
    assert [c[2] for c in citations] == ["с. 1", "с. 2"]
    assert citations[0][3] == QUOTE
    # A separator in a value is shown as its picture: it cannot split the value.
    assert citations[1][3] == "раз␞два␟три"


def test_xlsx_carries_parties_and_citations_as_sheets_keyed_by_record(client, agreement):
    make_agreement(key="lonely", state="published")
    response = client.get("/agreements/", {"export": "xlsx", "sort": "key"})
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "records", "parties", "citations", "editorial_notes", "known_gaps",
    ]  # fmt: skip
    records = list(workbook["records"].iter_rows(values_only=True))
    assert sorted(row[0] for row in records[1:]) == ["lonely", "pact"]
    parties = list(workbook["parties"].iter_rows(values_only=True))
    assert parties[0] == ("record", "key", "name_ru", "name_en", "role")
    assert [(row[0], row[1], row[2]) for row in parties[1:]] == [
        ("pact", "russia", "Россия; РФ"),
        ("pact", "kazakhstan", "Казахстан"),
    ]
    citations = list(workbook["citations"].iter_rows(values_only=True))
    assert citations[0] == ("record", "source", "field", "locator", "quote")
    assert [(row[0], row[3], row[4]) for row in citations[1:]] == [
        ("pact", "с. 1", QUOTE),
        ("pact", "с. 2", "раз␞два␟три"),
    ]


def test_actor_and_project_exports_have_their_part_sheets(client):
    make_actor(key="lab", state="published")
    names = load_workbook(io.BytesIO(client.get("/actors/", {"export": "xlsx"}).content)).sheetnames
    assert names == ["records", "citations", "editorial_notes", "known_gaps"]
    names = load_workbook(
        io.BytesIO(client.get("/projects/", {"export": "xlsx"}).content)
    ).sheetnames
    assert names[:4] == ["records", "participants", "figures", "citations"]


def test_a_notes_citations_split_one_level_down(client, agreement):
    note = make_note(agreement, text_ru="Дата спорна; см. ниже")
    source = agreement.citations.first().source
    EditorialNoteCitation.objects.create(record=note, source=source, locator="с. 9", quote=QUOTE)
    (row,) = csv_rows(client, "/agreements/")
    ((key, field, text_ru, text_en, citations),) = split_cell(row["editorial_notes"])
    assert text_ru == "Дата спорна; см. ниже"
    # As rkst.annotations.citation_row orders them: source, locator, quote, rank.
    assert split_cell(citations, 1) == [["article", "с. 9", QUOTE, "normal"]]
