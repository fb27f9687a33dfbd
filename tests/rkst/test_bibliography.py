import datetime

import pytest

from rkst.bibliography import bibtex, csl_json, formats, gost, record_citation, ris
from rkst.models import Source

Kind = Source.Kind
ACCESSED = datetime.date(2026, 11, 25)
CATALOGUE_RU = "Каталог российско-казахстанского научно-технического сотрудничества"
CATALOGUE_EN = "Catalogue of Russia–Kazakhstan Scientific and Technical Cooperation"


def article(**kwargs):
    fields = {
        "key": "ivanov-2021",
        "kind": Kind.ARTICLE,
        "authors": "Иванов И. И.; Петров П.П.",
        "title": "Научно-техническое сотрудничество России и Казахстана",
        "container": "Вестник КазНУ",
        "year": 2021,
        "volume": "5",
        "issue": "2",
        "pages": "155-165",
        "doi": "10.1234/rkst.2021",
        "language": "ru",
    }
    return Source(**fields | kwargs)


def book(**kwargs):
    fields = {
        "key": "sidorov-2020",
        "kind": Kind.BOOK,
        "authors": "Сидоров С. С.",
        "title": "Байконур: полвека сотрудничества",
        "place": "Москва",
        "publisher": "Наука",
        "year": 2020,
        "pages": "320",
        "language": "ru",
    }
    return Source(**fields | kwargs)


def web_page(**kwargs):
    fields = {
        "key": "minobr-2024",
        "kind": Kind.WEB_PAGE,
        "title": "Россия и Казахстан подписали дорожную карту",
        "container": "Министерство науки и высшего образования РК",
        "year": 2024,
        "url": "https://example.kz/news/123",
        "retrieved_on": ACCESSED,
        "language": "ru",
    }
    return Source(**fields | kwargs)


def test_it_writes_an_article_with_two_authors_per_gost():
    assert gost(article()) == (
        "Иванов И. И. Научно-техническое сотрудничество России и Казахстана "
        "/ И. И. Иванов, П. П. Петров // Вестник КазНУ. – 2021. – Т. 5, № 2. – С. 155–165. "
        "– DOI 10.1234/rkst.2021."
    )


def test_it_writes_a_book_per_gost():
    assert gost(book()) == (
        "Сидоров С. С. Байконур: полвека сотрудничества / С. С. Сидоров. "
        "– Москва : Наука, 2020. – 320 с."
    )


def test_it_puts_a_book_series_after_the_page_count():
    assert gost(book(container="Космос", place="")) == (
        "Сидоров С. С. Байконур: полвека сотрудничества / С. С. Сидоров. "
        "– Наука, 2020. – 320 с. – (Космос)."
    )


def test_it_writes_a_web_page_with_its_access_date_per_gost():
    assert gost(web_page()) == (
        "Россия и Казахстан подписали дорожную карту "
        "// Министерство науки и высшего образования РК. – 2024. "
        "– URL: https://example.kz/news/123 (дата обращения: 25.11.2026)."
    )


def test_it_gives_a_url_without_access_date_when_none_is_known():
    assert gost(web_page(retrieved_on=None, year=None, container="")) == (
        "Россия и Казахстан подписали дорожную карту. – URL: https://example.kz/news/123."
    )


def test_it_puts_a_title_supplied_by_curators_in_square_brackets():
    source = Source(
        key="protocol-1998",
        kind=Kind.OFFICIAL,
        title="Протокол о научно-техническом сотрудничестве",
        title_supplied=True,
        year=1998,
    )
    assert gost(source) == "[Протокол о научно-техническом сотрудничестве]. – 1998."
    assert "title = {[Протокол о научно-техническом сотрудничестве]}" in bibtex(source)
    assert "TI  - [Протокол о научно-техническом сотрудничестве]\r\n" in ris(source)


def test_it_omits_missing_elements_cleanly():
    source = article(authors="", container="", volume="", issue="", year=None, doi="")
    assert gost(source) == ("Научно-техническое сотрудничество России и Казахстана. – С. 155–165.")


def test_it_uses_latin_abbreviations_for_an_english_source():
    source = article(
        authors="Smith J. A.; Brown B.; Green C.; White D.; Black E.",
        title="Space cooperation in Central Asia.",
        container="Space Policy",
        doi="",
        language="en",
    )
    assert gost(source) == (
        "Space cooperation in Central Asia / J. A. Smith, B. Brown, C. Green [et al.] "
        "// Space Policy. – 2021. – Vol. 5, No. 2. – P. 155–165."
    )
    assert gost(book(authors="Smith J.", title="Baikonur", language="en")).endswith("320 p.")


def test_it_writes_a_bibtex_article():
    assert bibtex(article()) == (
        "@article{ivanov-2021,\n"
        "  author = {Иванов, И. И. and Петров, П. П.},\n"
        "  title = {Научно-техническое сотрудничество России и Казахстана},\n"
        "  journal = {Вестник КазНУ},\n"
        "  year = {2021},\n"
        "  volume = {5},\n"
        "  number = {2},\n"
        "  pages = {155--165},\n"
        "  doi = {10.1234/rkst.2021},\n"
        "  langid = {russian}\n"
        "}\n"
    )


def test_it_escapes_bibtex_special_characters():
    entry = bibtex(article(title="R&D: 50% of #1 {sic} $5 a_b \\x", container="Science & Life"))
    assert r"title = {R\&D: 50\% of \#1 \{sic\} \$5 a\_b \textbackslash{}x}" in entry
    assert r"journal = {Science \& Life}" in entry


def test_it_keeps_a_bibtex_url_verbatim():
    entry = bibtex(web_page(url="https://example.kz/a?b=50%25&c=1"))
    assert "url = {https://example.kz/a?b=50%25&c=1}" in entry
    assert "urldate = {2026-11-25}" in entry
    assert entry.startswith("@online{minobr-2024,\n")


def test_it_braces_a_corporate_author_in_bibtex():
    entry = bibtex(article(authors="Министерство науки РК"))
    assert "author = {{Министерство науки РК}}" in entry


def test_it_notes_an_incomplete_record_in_bibtex_and_ris():
    source = article(complete=False, notes="Выходные данные\nне установлены.")
    note = "Библиографическое описание неполное. Выходные данные не установлены."
    assert f"  note = {{{note}}}\n" in bibtex(source)
    assert f"N1  - {note}\r\n" in ris(source)
    assert csl_json(source)["note"] == note


def test_it_writes_no_note_for_a_complete_record():
    assert "note" not in bibtex(article())
    assert "N1  -" not in ris(article())


def test_it_writes_a_ris_record_with_crlf_line_endings():
    assert ris(article()) == (
        "TY  - JOUR\r\n"
        "AU  - Иванов, И. И.\r\n"
        "AU  - Петров, П. П.\r\n"
        "TI  - Научно-техническое сотрудничество России и Казахстана\r\n"
        "T2  - Вестник КазНУ\r\n"
        "JO  - Вестник КазНУ\r\n"
        "PY  - 2021\r\n"
        "VL  - 5\r\n"
        "IS  - 2\r\n"
        "SP  - 155\r\n"
        "EP  - 165\r\n"
        "DO  - 10.1234/rkst.2021\r\n"
        "LA  - ru\r\n"
        "ER  - \r\n"
    )


@pytest.mark.parametrize(
    ("pages", "lines"),
    [
        ("155–165", "SP  - 155\r\nEP  - 165\r\n"),
        ("155-165", "SP  - 155\r\nEP  - 165\r\n"),
        ("с. 155 – 165", "SP  - 155\r\nEP  - 165\r\n"),
        ("42", "SP  - 42\r\nPB"),
    ],
)
def test_it_splits_pages_into_ris_start_and_end(pages, lines):
    assert lines in ris(article(pages=pages, publisher="Қазақ университеті"))


def test_it_gives_a_book_page_count_and_access_date_in_ris():
    assert "TY  - BOOK\r\n" in ris(book())
    assert "SP  - 320\r\nPB  - Наука\r\nCY  - Москва\r\n" in ris(book(pages="320 с."))
    assert "TY  - WEB\r\n" in ris(web_page())
    assert "Y2  - 2026/11/25\r\n" in ris(web_page())


def test_it_writes_csl_json_for_an_article():
    assert csl_json(article()) == {
        "id": "ivanov-2021",
        "type": "article-journal",
        "author": [
            {"family": "Иванов", "given": "И. И."},
            {"family": "Петров", "given": "П. П."},
        ],
        "title": "Научно-техническое сотрудничество России и Казахстана",
        "container-title": "Вестник КазНУ",
        "issued": {"date-parts": [[2021]]},
        "volume": "5",
        "issue": "2",
        "page": "155-165",
        "DOI": "10.1234/rkst.2021",
        "language": "ru",
    }


def test_it_omits_empty_keys_from_csl_json():
    source = Source(key="untitled", kind=Kind.OTHER, title="Справка", complete=True)
    assert csl_json(source) == {"id": "untitled", "type": "document", "title": "Справка"}


def test_it_gives_a_web_page_its_access_date_in_csl_json():
    item = csl_json(web_page())
    assert item["type"] == "webpage"
    assert item["accessed"] == {"date-parts": [[2026, 11, 25]]}
    assert item["URL"] == "https://example.kz/news/123"


def test_it_offers_every_format_of_a_source():
    source = article()
    assert formats(source) == {
        "gost": gost(source),
        "bibtex": bibtex(source),
        "ris": ris(source),
        "csl_json": csl_json(source),
    }


def test_it_cites_a_catalogue_record_in_russian():
    cite = record_citation(
        "Соглашение между Правительством РФ и Правительством РК (1996)",
        "https://rkst.example/agreements/ru-kz-science-1996/",
        ACCESSED,
        catalogue_title=CATALOGUE_RU,
        updated=datetime.date(2026, 3, 12),
    )
    assert cite["gost"] == (
        "Соглашение между Правительством РФ и Правительством РК (1996) "
        f"// {CATALOGUE_RU}. – Дата обновления: 12.03.2026. "
        "– URL: https://rkst.example/agreements/ru-kz-science-1996/ "
        "(дата обращения: 25.11.2026)."
    )
    assert cite["bibtex"] == (
        "@online{ru-kz-science-1996,\n"
        "  title = {Соглашение между Правительством РФ и Правительством РК (1996)},\n"
        f"  organization = {{{CATALOGUE_RU}}},\n"
        "  date = {2026-03-12},\n"
        "  url = {https://rkst.example/agreements/ru-kz-science-1996/},\n"
        "  urldate = {2026-11-25},\n"
        "  langid = {russian}\n"
        "}\n"
    )
    assert cite["ris"] == (
        "TY  - WEB\r\n"
        "TI  - Соглашение между Правительством РФ и Правительством РК (1996)\r\n"
        f"T2  - {CATALOGUE_RU}\r\n"
        "PY  - 2026\r\n"
        "DA  - 2026/03/12\r\n"
        "UR  - https://rkst.example/agreements/ru-kz-science-1996/\r\n"
        "LA  - ru\r\n"
        "Y2  - 2026/11/25\r\n"
        "ER  - \r\n"
    )
    assert cite["csl_json"] == {
        "id": "ru-kz-science-1996",
        "type": "webpage",
        "title": "Соглашение между Правительством РФ и Правительством РК (1996)",
        "container-title": CATALOGUE_RU,
        "issued": {"date-parts": [[2026, 3, 12]]},
        "URL": "https://rkst.example/agreements/ru-kz-science-1996/",
        "language": "ru",
        "accessed": {"date-parts": [[2026, 11, 25]]},
    }


def test_it_cites_a_catalogue_record_in_english():
    cite = record_citation(
        "Agreement on Scientific and Technical Cooperation (1996)",
        "https://rkst.example/en/agreements/ru-kz-science-1996/",
        ACCESSED,
        catalogue_title=CATALOGUE_EN,
        language="en",
    )
    assert cite["gost"] == (
        f"Agreement on Scientific and Technical Cooperation (1996) // {CATALOGUE_EN}. "
        "– URL: https://rkst.example/en/agreements/ru-kz-science-1996/ "
        "(accessed: 25 November 2026)."
    )
    assert cite["bibtex"].startswith("@online{ru-kz-science-1996,\n")
    assert "  date = " not in cite["bibtex"]
    assert "langid = {english}" in cite["bibtex"]
    assert "LA  - en\r\n" in cite["ris"]
    assert "issued" not in cite["csl_json"]


def test_it_writes_an_updated_date_in_english():
    cite = record_citation(
        "Agreement (1996)",
        "https://rkst.example/en/agreements/a/",
        ACCESSED,
        catalogue_title=CATALOGUE_EN,
        updated=datetime.date(2026, 3, 2),
        language="en",
    )
    assert "– Updated: 2 March 2026. – URL:" in cite["gost"]


def test_it_derives_a_valid_bibtex_key_from_the_record_url():
    cite = record_citation(
        "Запись",
        "https://rkst.example/actors/%D0%BA%D0%BD%D1%86 x{1}",
        ACCESSED,
        catalogue_title=CATALOGUE_RU,
    )
    assert cite["bibtex"].startswith("@online{x-1,\n")
    home = record_citation("Запись", "https://rkst.example/", ACCESSED, catalogue_title="К")
    assert home["bibtex"].startswith("@online{rkst,\n")
