"""Data releases: `manage.py release_data` writes a dated zip of every public table with a
valid Frictionless data package, a README and checksums that verify, and nothing private;
/data/ lists the releases and serves their files, and nothing else."""

import csv
import hashlib
import io
import json
import os
import zipfile
from decimal import Decimal

import frictionless
import pytest
from django.core.management import call_command

from agreements.models import ProjectFigure
from rkst.models import CatalogueVersion
from tests.factories import (
    make_actor,
    make_agreement,
    make_project,
    make_relation,
    make_source,
    make_topic,
)

pytestmark = pytest.mark.django_db

PUBLIC = {"state": "published"}
CURATOR_NOTE = "Частная заметка zzprivate: проверить дату"
DRAFT_MARKER = "zzdraftmark"


@pytest.fixture
def catalogue(django_user_model):
    django_user_model.objects.create_user(username="zzaccount", email="zz@example.org")
    article = make_source(key="article", title="Статья", year=2021, **PUBLIC)
    hidden = make_source(key=f"{DRAFT_MARKER}-source", title=f"Источник {DRAFT_MARKER}")
    russia = make_actor(key="russia", name_ru="Россия", kind="state", **PUBLIC)
    omsk = make_actor(key="omsk", name_ru="Омская область", kind="region", **PUBLIC)
    draft_city = make_actor(key=f"{DRAFT_MARKER}-city", name_ru=DRAFT_MARKER, kind="city")
    institute = make_actor(
        key="institute", name_ru="Институт", parent=omsk, located_in=draft_city, **PUBLIC
    )
    institute.aliases.create(name="ИНСТ", kind="acronym")
    institute.citations.create(source=article, locator="с. 2")
    space = make_topic(code="space", name_ru="Космос", name_en="Space")
    make_topic(code=f"{DRAFT_MARKER}-topic", name_ru=DRAFT_MARKER, name_en=DRAFT_MARKER)
    treaty = make_agreement(
        [russia, institute],
        "25.11.1996",
        key="treaty",
        title_ru="Договор о сотрудничестве",
        signed_place=draft_city,
        curator_note=CURATOR_NOTE,
        **PUBLIC,
    )
    treaty.topics.add(space)
    treaty.citations.create(source=article, locator="с. 161", quote="=SUM(A1) цитата")
    treaty.citations.create(source=hidden, locator=f"с. {DRAFT_MARKER}")
    memo = make_agreement([russia], "07.1998", key="memo", kind="memorandum", **PUBLIC)
    draft = make_agreement([russia], key=f"{DRAFT_MARKER}-agreement", title_ru=DRAFT_MARKER)
    draft.topics.add(space)
    relation = make_relation(memo, treaty)
    relation.citations.create(source=article, locator="с. 5")
    make_relation(draft, treaty)
    project = make_project(key="baiterek", name_ru="Байтерек", place=omsk, **PUBLIC)
    project.participant_set.create(actor=institute, role="operator")
    project.participant_set.create(actor=draft_city)
    project.agreements.add(treaty, draft)
    ProjectFigure.objects.create(
        project=project, measure="cost", label_ru="Стоимость", label_en="Cost",
        value=Decimal("115000000.500"), unit="USD",
    )  # fmt: skip
    project.citations.create(source=article, locator="с. 7")
    return {"treaty": treaty, "draft": draft}


@pytest.fixture
def releases_dir(tmp_path, settings):
    settings.RELEASES_DIR = tmp_path / "releases"
    return settings.RELEASES_DIR


def release(directory):
    out = io.StringIO()
    call_command("release_data", "--output", str(directory), stdout=out)
    (path,) = directory.glob("rkst-data-*.zip")
    return path, out.getvalue()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def rows(zipped, table):
    text = zipped.read(f"csv/{table}.csv").decode()
    return list(csv.DictReader(io.StringIO(text)))


def json_rows(zipped, table):
    header, *values = json.loads(zipped.read(f"json/{table}.json"))
    return [dict(zip(header, row, strict=True)) for row in values]


def test_the_release_is_named_by_its_day_and_catalogue_version(catalogue, releases_dir):
    path, output = release(releases_dir)
    version = CatalogueVersion.current()
    assert path.name.endswith(f"-v{version}.zip")
    assert f"catalogue version {version}" in output
    package = json.loads(zipfile.ZipFile(path).read("datapackage.json"))
    assert package["catalogue_version"] == version
    readme = zipfile.ZipFile(path).read("README.md").decode()
    assert f"catalogue version {version}" in readme
    assert f"версия каталога {version}" in readme


def test_the_checksums_verify(catalogue, releases_dir):
    path, _output = release(releases_dir)
    beside = (releases_dir / f"{path.name}.sha256").read_text().split()
    assert beside == [sha256(path.read_bytes()), path.name]
    zipped = zipfile.ZipFile(path)
    listed = {
        name: digest
        for digest, name in (
            line.split("  ") for line in zipped.read("SHA256SUMS").decode().splitlines()
        )
    }
    assert set(listed) == set(zipped.namelist()) - {"SHA256SUMS"}
    assert {"README.md", "datapackage.json", "csv/agreements.csv", "json/agreements.json"} <= (
        set(listed)
    )
    for name, digest in listed.items():
        assert sha256(zipped.read(name)) == digest, name
    for resource in json.loads(zipped.read("datapackage.json"))["resources"]:
        assert resource["hash"] == f"sha256:{listed[resource['path']]}"
        if "bytes" in resource:
            assert resource["bytes"] == len(zipped.read(resource["path"]))


def test_the_data_package_validates(catalogue, releases_dir, tmp_path):
    path, _output = release(releases_dir)
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(path).extractall(unpacked)
    report = frictionless.validate(unpacked / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert frictionless.validate(str(path)).valid
    package = frictionless.Package(unpacked / "datapackage.json")
    names = set()
    for resource in package.resources:
        names.add(resource.name)
        report = resource.validate()
        assert report.valid, (resource.name, report.flatten(["rowNumber", "type", "note"]))
        assert resource.schema.primary_key
        for schema_field in resource.schema.fields:
            assert schema_field.name and schema_field.type and schema_field.description
    tables = {
        "sources", "actors", "actor_names", "actor_citations", "topics", "agreement_topics",
        "agreements", "agreement_parties", "agreement_relations", "agreement_citations",
        "relation_citations", "projects", "project_participants", "project_figures",
        "project_agreements", "project_citations",
    }  # fmt: skip
    assert names == tables | {f"{name}-json" for name in tables}
    parties = package.get_resource("agreement_parties").schema
    assert parties.foreign_keys == [
        {"fields": ["agreement"], "reference": {"resource": "agreements", "fields": ["key"]}},
        {"fields": ["actor"], "reference": {"resource": "actors", "fields": ["key"]}},
    ]


def test_a_release_with_empty_tables_validates(releases_dir, tmp_path):
    make_source(key="article", title="Статья", **PUBLIC)
    path, _output = release(releases_dir)
    zipfile.ZipFile(path).extractall(tmp_path / "unpacked")
    report = frictionless.validate(tmp_path / "unpacked" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert json_rows(zipfile.ZipFile(path), "agreements") == []


def test_a_broken_table_fails_validation(catalogue, releases_dir, tmp_path):
    """The validation above can fail: a party of an agreement not in the release does."""
    path, _output = release(releases_dir)
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(path).extractall(unpacked)
    parties = unpacked / "csv" / "agreement_parties.csv"
    parties.write_text(parties.read_text() + "nowhere,russia,party,RU,0\n")
    descriptor = json.loads((unpacked / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        resource.pop("hash", None), resource.pop("bytes", None)
    (unpacked / "datapackage.json").write_text(json.dumps(descriptor))
    report = frictionless.validate(unpacked / "datapackage.json")
    assert ["foreign-key"] in report.flatten(["type"])


def test_it_holds_the_public_records_and_nothing_private(catalogue, releases_dir):
    path, _output = release(releases_dir)
    zipped = zipfile.ZipFile(path)
    everything = b"".join(zipped.read(name) for name in zipped.namelist())
    assert b"treaty" in everything and "Договор о сотрудничестве".encode() in everything
    for private in (DRAFT_MARKER, CURATOR_NOTE, "zzaccount", "zz@example.org", "curator_note"):
        assert private.encode() not in everything, private
    assert b"added_by" not in everything and b"password" not in everything
    assert [r["key"] for r in rows(zipped, "agreements")] == ["memo", "treaty"]
    treaty = next(r for r in rows(zipped, "agreements") if r["key"] == "treaty")
    # The draft place of signing is no link of the public record.
    assert treaty["signed_on"] == "1996-11-25" and treaty["signed_place"] == ""
    memo = next(r for r in rows(zipped, "agreements") if r["key"] == "memo")
    assert memo["signed_on"] == "1998-07"
    assert [(r["agreement"], r["actor"]) for r in rows(zipped, "agreement_parties")] == [
        ("memo", "russia"), ("treaty", "russia"), ("treaty", "institute"),
    ]  # fmt: skip
    assert [(r["source"], r["target"]) for r in rows(zipped, "agreement_relations")] == [
        ("memo", "treaty")
    ]
    assert [r["agreement"] for r in rows(zipped, "project_agreements")] == ["treaty"]
    assert [r["actor"] for r in rows(zipped, "project_participants")] == ["institute"]
    assert [r["code"] for r in rows(zipped, "topics")] == ["space"]
    institute = next(r for r in rows(zipped, "actors") if r["key"] == "institute")
    assert institute["parent"] == "omsk" and institute["located_in"] == ""
    assert [r["name"] for r in rows(zipped, "actor_names")] == ["ИНСТ"]
    assert [r["locator"] for r in rows(zipped, "agreement_citations")] == ["с. 161"]


def test_csv_is_formula_safe_and_json_keeps_values_as_they_are(catalogue, releases_dir):
    path, _output = release(releases_dir)
    zipped = zipfile.ZipFile(path)
    (cited,) = rows(zipped, "agreement_citations")
    assert cited["quote"] == "'=SUM(A1) цитата"
    (cited,) = json_rows(zipped, "agreement_citations")
    assert cited["quote"] == "=SUM(A1) цитата"
    (figure,) = json_rows(zipped, "project_figures")
    assert figure["value"] == 115000000.5
    assert rows(zipped, "project_figures")[0]["value"] == "115000000.5"


def test_a_second_run_the_same_day_writes_nothing(catalogue, releases_dir):
    path, _output = release(releases_dir)
    written = path.stat().st_mtime_ns
    again, output = release(releases_dir)
    assert again == path and again.stat().st_mtime_ns == written
    assert output.startswith("Already released")
    assert sorted(p.name for p in releases_dir.iterdir()) == [path.name, f"{path.name}.sha256"]


def test_the_data_page_lists_the_release_in_both_languages(client, catalogue, releases_dir):
    assert "Выпусков пока нет." in client.get("/data/").content.decode()
    path, _output = release(releases_dir)
    digest = sha256(path.read_bytes())
    for url, heading in (("/data/", "Выпуски данных"), ("/en/data/", "Data releases")):
        page = client.get(url).content.decode()
        assert f"<h1>{heading}</h1>" in page
        assert digest in page
        assert f'href="/data/{path.name}"' in page or f'href="/en/data/{path.name}"' in page
        assert f"<td>{CatalogueVersion.current()}</td>" in page
    assert '<a href="/data/">Выпуски данных</a>' in client.get("/").content.decode()


def test_the_data_page_serves_the_release_and_its_checksum(client, catalogue, releases_dir):
    path, _output = release(releases_dir)
    response = client.get(f"/data/{path.name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{path.name}"'
    assert b"".join(response.streaming_content) == path.read_bytes()
    checksum = client.get(f"/en/data/{path.name}.sha256")
    assert b"".join(checksum.streaming_content).decode().split()[0] == sha256(path.read_bytes())


def test_nothing_else_is_served(client, catalogue, releases_dir, tmp_path):
    path, _output = release(releases_dir)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    (releases_dir / "notes.txt").write_text("secret")
    linked = releases_dir / "rkst-data-2020-01-01-v1.zip"
    os.symlink(outside, linked)
    (releases_dir / f"{linked.name}.sha256").write_text(f"{'0' * 64}  {linked.name}\n")
    for url in (
        "/data/notes.txt",
        f"/data/{linked.name}",
        "/data/..%2Fsecret.txt",
        "/data/..%2F..%2Fsecret.txt",
        "/data/%2e%2e/secret.txt",
        "/data/../secret.txt",
        f"/data/{path.name}%00",
        f"/data/..%2Freleases%2F{path.name}",
        "/data/rkst-data-2026-01-01-v999.zip",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
    assert linked.name not in client.get("/data/").content.decode()


def test_a_release_the_catalogue_changed_under_is_not_kept(catalogue, releases_dir, monkeypatch):
    from agreements.releases import catalogue_tables
    from rkst.releases import CatalogueChanged, write_release

    with pytest.raises(CatalogueChanged):
        write_release(
            catalogue_tables(), releases_dir, 7, current_version=lambda: 8, title="Catalogue"
        )
    assert list(releases_dir.iterdir()) == []
    # The command writes it again from the catalogue as it then is.
    versions = iter([5, 6, 6, 6])
    monkeypatch.setattr(CatalogueVersion, "current", classmethod(lambda cls: next(versions)))
    path, _output = release(releases_dir)
    assert path.name.endswith("-v6.zip")
