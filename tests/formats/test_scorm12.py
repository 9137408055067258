"""The SCORM 1.2 package: valid for the official schemas and shaped the way Moodle reads it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from builder.build import build
from tests.support import GOLDEN, ROOTS, copy_root, read_entry, schema_problems, zip_names

NS = {
    "cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
}


@pytest.fixture
def package(tmp_path: Path) -> Path:
    result = build([ROOTS / "minimal"], tmp_path / "dist", ["scorm12"])
    (built,) = result.packages
    assert built.path.name == "minimal-1.0-en-scorm12.zip"
    return built.path


def test_package_passes_the_official_schemas_with_no_problem(package: Path) -> None:
    assert schema_problems(package) == []


def test_manifest_matches_the_reviewed_golden_file(package: Path, update_golden: bool) -> None:
    golden = GOLDEN / "minimal" / "scorm12" / "imsmanifest.xml"
    manifest = read_entry(package, "imsmanifest.xml")
    if update_golden:
        golden.write_bytes(manifest)
    assert manifest.decode() == golden.read_text(encoding="utf-8")


def test_manifest_is_what_moodle_reads(package: Path) -> None:
    raw = read_entry(package, "imsmanifest.xml").decode()
    # Moodle's parser is namespace-blind: core elements unprefixed, ADL ones literally adlcp:.
    assert "<manifest " in raw and "<resource " in raw and "<item " in raw
    assert 'adlcp:scormtype="sco"' in raw
    assert "<adlcp:masteryscore>75</adlcp:masteryscore>" in raw
    assert "<schemaversion>1.2</schemaversion>" in raw
    root = etree.fromstring(raw.encode())
    ids = [e.get("identifier") for e in root.iter() if e.get("identifier")]
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9._-]*", i or "") for i in ids)
    assert len(ids) == len(set(ids))


def test_every_file_is_listed_and_nothing_stray(package: Path) -> None:
    names = zip_names(package)
    root = etree.fromstring(read_entry(package, "imsmanifest.xml"))
    listed = {f.get("href") for f in root.iterfind(".//cp:file", NS)}
    assert listed == set(names) - {"imsmanifest.xml"}
    assert names == sorted(names)
    assert "imsmanifest.xml" in names  # at the root
    assert set(names) == {
        "imsmanifest.xml",
        "index.html",
        "home.html",
        "_sabaq/code.css",
        "_sabaq/print.css",
        "_sabaq/sabaq.css",
        "_sabaq/sabaq.js",
        "content/01-basics/01-welcome.html",
        "content/01-basics/02-tables.html",
        "content/01-basics/images/square.svg",
        "content/02-more/01-last.html",
    }


SUBRESOURCE_FROM_NETWORK = re.compile(
    r"""<(?:script|link|img|iframe|audio|video|source|object|embed)\b[^>]*\b(?:src|href|data)=["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def test_pages_have_language_direction_and_no_outside_requests(package: Path) -> None:
    for name in zip_names(package):
        if not name.endswith(".html"):
            continue
        html = read_entry(package, name).decode()
        assert '<html lang="en" dir="ltr">' in html, name
        # Sub-resources only: a learner may follow a link out, the page must not fetch one.
        assert not SUBRESOURCE_FROM_NETWORK.search(html), name


def test_building_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first = build([ROOTS / "minimal"], tmp_path / "one", ["scorm12"]).packages[0].path
    course = copy_root("minimal", tmp_path / "elsewhere")  # another folder, same sources
    second = build([course], tmp_path / "two", ["scorm12"]).packages[0].path
    assert first.read_bytes() == second.read_bytes()
