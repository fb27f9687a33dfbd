import datetime

import pytest
from django.utils import translation

from rkst.dates import PartialDate, Precision


@pytest.mark.parametrize(
    ("text", "earliest", "precision", "iso"),
    [
        ("1996", datetime.date(1996, 1, 1), Precision.YEAR, "1996"),
        ("11.1996", datetime.date(1996, 11, 1), Precision.MONTH, "1996-11"),
        ("1996-11", datetime.date(1996, 11, 1), Precision.MONTH, "1996-11"),
        ("25.11.1996", datetime.date(1996, 11, 25), Precision.DAY, "1996-11-25"),
        (" 1996-11-25 ", datetime.date(1996, 11, 25), Precision.DAY, "1996-11-25"),
    ],
)
def test_it_reads_the_forms_curators_write(text, earliest, precision, iso):
    date = PartialDate.parse(text)
    assert (date.earliest, date.precision, date.iso()) == (earliest, precision, iso)


def test_it_keeps_a_spreadsheet_date_cell_as_a_day():
    date = PartialDate.parse(datetime.datetime(2001, 6, 15, 0, 0))
    assert date == PartialDate(datetime.date(2001, 6, 15), Precision.DAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31.02.2001", "«31.02.2001»: в этом месяце нет 31-го числа."),
        ("13.2001", "«13.2001»: месяца 13 не бывает."),
        ("весной 2001", "«весной 2001» — не дата: напишите 1996, 11.1996 или 25.11.1996."),
    ],
)
def test_it_refuses_what_is_not_a_date_in_russian(text, message):
    with pytest.raises(ValueError) as error:
        PartialDate.parse(text)
    assert str(error.value) == message


def test_it_shows_a_date_as_precisely_as_it_is_known():
    with translation.override("ru"):
        assert PartialDate.parse("1998").display() == "1998"
        assert PartialDate.parse("07.1998").display() == "Июль 1998"
        assert PartialDate.parse("06.07.1998").display() == "6 июля 1998"
    with translation.override("en"):
        assert PartialDate.parse("07.1998").display() == "July 1998"
        assert PartialDate.parse("06.07.1998").display() == "6 July 1998"


def test_a_year_or_month_spans_to_its_last_day():
    assert PartialDate.parse("1998").latest() == datetime.date(1998, 12, 31)
    assert PartialDate.parse("02.2000").latest() == datetime.date(2000, 2, 29)
    assert PartialDate.parse("1998").numeric() == "1998"
    assert PartialDate.parse("1998-07").numeric() == "07.1998"
