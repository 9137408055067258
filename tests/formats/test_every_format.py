"""Every package format from one course: valid, reviewed, and shaped for its LMS."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from builder.build import BuiltPackage, build
from builder.formats import available_formats
from tests.support import GOLDEN, ROOTS, read_entry, schema_problems, zip_names

MANIFESTS = {
    "scorm12": "imsmanifest.xml",
    "scorm2004": "imsmanifest.xml",
    "imscp": "imsmanifest.xml",
    "imscc11": "imsmanifest.xml",
    "imscc13": "imsmanifest.xml",
    "cmi5": "cmi5.xml",
}


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltPackage]:
    result = build([ROOTS / "minimal"], tmp_path_factory.mktemp("dist"), ["all"])
    return {package.format: package for package in result.packages}


def test_all_builds_every_registered_format(packages: dict[str, BuiltPackage]) -> None:
    # But a question bank: this course has no questions (see tests/unit/test_questionbank.py).
    assert sorted(packages) == [name for name in available_formats() if name != "questionbank"]
    assert sorted(available_formats()) == sorted([*MANIFESTS, "website", "questionbank", "moodle"])
    assert packages["imscc11"].path.name == "minimal-1.0-en-imscc11.imscc"
    assert packages["website"].path.name == "minimal-1.0-en-website.zip"


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_package_passes_the_official_schemas(packages: dict[str, BuiltPackage], name: str) -> None:
    assert schema_problems(packages[name].path) == []


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_manifest_matches_the_reviewed_golden_file(
    packages: dict[str, BuiltPackage], name: str, update_golden: bool
) -> None:
    golden = GOLDEN / "minimal" / name / MANIFESTS[name]
    manifest = read_entry(packages[name].path, MANIFESTS[name])
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(manifest)
    assert manifest.decode() == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_every_file_a_manifest_names_is_in_the_package(
    packages: dict[str, BuiltPackage], name: str
) -> None:
    names = set(zip_names(packages[name].path))
    root = etree.fromstring(read_entry(packages[name].path, MANIFESTS[name]))
    listed = {f.get("href") for f in root.iter() if etree.QName(f).localname == "file"}
    assert listed <= names
    if name != "cmi5":  # cmi5.xml names only the launch page
        assert listed == names - {MANIFESTS[name]}


def test_scorm2004_keeps_to_what_moodle_runs(packages: dict[str, BuiltPackage]) -> None:
    manifest = read_entry(packages["scorm2004"].path, "imsmanifest.xml").decode()
    assert "<schemaversion>2004 4th Edition</schemaversion>" in manifest
    assert "mapInfo" not in manifest  # crashes Moodle 5.0's upload
    assert 'adlcp:scormType="sco"' in manifest
    assert '<imsss:controlMode choice="true" flow="true"/>' in manifest


@pytest.mark.parametrize("name", ["imscc11", "imscc13"])
def test_cartridge_is_what_moodle_and_canvas_import(
    packages: dict[str, BuiltPackage], name: str
) -> None:
    raw = read_entry(packages[name].path, "imsmanifest.xml")
    # Moodle looks for the CC namespace as the default xmlns in the first kilobyte.
    head = raw[:1024].decode().lower().replace('"', "").replace("'", "")
    version = "imsccv1p1" if name == "imscc11" else "imsccv1p3"
    assert f"xmlns=http://www.imsglobal.org/xsd/{version}/imscp_v1p1" in head
    root = etree.fromstring(raw)
    ns = {"cp": f"http://www.imsglobal.org/xsd/{version}/imscp_v1p1"}
    (organization,) = root.iterfind(".//cp:organization", ns)
    (root_item,) = organization.iterfind("cp:item", ns)
    sections = [
        item.findtext("cp:title", namespaces=ns) for item in root_item.iterfind("cp:item", ns)
    ]
    assert sections == ["Minimal course", "The basics", "More"]
    types = {r.get("type") for r in root.iter(f"{{{ns['cp']}}}resource")}
    suffix = "v1p1" if name == "imscc11" else "v1p3"
    assert types == {"webcontent", f"imswl_xml{suffix}", f"imsdt_xml{suffix}"}
    names = zip_names(packages[name].path)
    link = read_entry(packages[name].path, "cc/more/link-1.xml").decode()
    assert 'href="https://bitcoin.org/bitcoin.pdf"' in link
    assert "cc/more/discussion.xml" in names


def test_imscp_table_of_contents_is_the_course_outline(packages: dict[str, BuiltPackage]) -> None:
    root = etree.fromstring(read_entry(packages["imscp"].path, "imsmanifest.xml"))
    ns = {"cp": "http://www.imsglobal.org/xsd/imscp_v1p1"}
    outline = [
        (
            item.findtext("cp:title", namespaces=ns),
            [c.findtext("cp:title", namespaces=ns) for c in item.iterfind("cp:item", ns)],
        )
        for item in root.iterfind("cp:organizations/cp:organization/cp:item", ns)
    ]
    assert outline == [
        ("Course overview", []),
        ("The basics", ["Welcome", "Tables and lists"]),
        ("More", ["The last lesson"]),
    ]


def test_website_is_written_as_zip_and_folder(packages: dict[str, BuiltPackage]) -> None:
    website = packages["website"]
    assert website.folder is not None
    on_disk = sorted(
        p.relative_to(website.folder).as_posix() for p in website.folder.rglob("*") if p.is_file()
    )
    assert on_disk == sorted(zip_names(website.path))
    index = (website.folder / "index.html").read_text(encoding="utf-8")
    assert 'data-sabaq-page="home"' in index
    assert 'href="content/01-basics/01-welcome.html"' in index


def test_every_format_is_reproducible(tmp_path: Path) -> None:
    first = build([ROOTS / "minimal"], tmp_path / "a", ["all"]).packages
    second = build([ROOTS / "minimal"], tmp_path / "b", ["all"]).packages
    for one, two in zip(first, second, strict=True):
        assert one.path.read_bytes() == two.path.read_bytes(), one.format


def test_archives_hold_no_directories_or_stray_files(packages: dict[str, BuiltPackage]) -> None:
    for package in packages.values():
        with zipfile.ZipFile(package.path) as archive:
            assert all(not info.is_dir() for info in archive.infolist())
            assert not any(name.startswith(".") or "/." in name for name in archive.namelist())


def test_cartridges_point_to_the_lms_quiz_instead_of_repeating_it(tmp_path: Path) -> None:
    result = build([ROOTS / "certification"], tmp_path, ["scorm12", "imscc11"])
    pages = {
        p.format: read_entry(p.path, "content/01-basics/02-quiz.html").decode()
        for p in result.packages
    }
    assert '<form class="quiz-form"' in pages["scorm12"]
    assert '<form class="quiz-form"' not in pages["imscc11"]
    assert 'class="quiz quiz-elsewhere"' in pages["imscc11"]
    assert "This quiz is a separate activity in this section of your course" in pages["imscc11"]
    # Knowledge checks stay in the page, static: they are practice, not graded.
    reading = next(p for p in result.packages if p.format == "imscc11")
    page = read_entry(reading.path, "content/01-basics/01-reading.html").decode()
    assert 'class="sabaq-check"' in page and "<summary>" in page
