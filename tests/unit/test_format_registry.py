"""Formats are found in one registry; other packages add theirs through entry points."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import ClassVar

import pytest

from builder.build import build
from builder.errors import CourseError
from builder.formats import available_formats, format_class, get_format
from builder.formats.base import PackageFormat
from builder.render import Site
from tests.support import ROOTS, zip_names


class PlainText(PackageFormat):
    """A third party's format: every lesson as a .txt file."""

    name: ClassVar[str] = "plaintext"
    label: ClassVar[str] = "Plain text"
    has_manifest: ClassVar[bool] = False

    def package(self, site: Site) -> dict[str, bytes]:
        return {f"{lesson.id}.txt": lesson.body.encode() for lesson in site.course.lessons}


@pytest.fixture
def third_party_format(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    entry = EntryPoint(name="plaintext", value=f"{__name__}:PlainText", group="sabaq.formats")

    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        return [entry] if group == "sabaq.formats" else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    format_class.cache_clear()
    yield
    format_class.cache_clear()


def test_built_in_formats() -> None:
    assert available_formats() == [
        "cmi5",
        "imscc11",
        "imscc13",
        "imscp",
        "moodle",
        "questionbank",
        "scorm12",
        "scorm2004",
        "website",
    ]
    assert get_format("scorm12").label == "SCORM 1.2"


def test_a_format_registered_by_entry_point_builds(
    third_party_format: None, tmp_path: Path
) -> None:
    assert "plaintext" in available_formats()
    (package,) = build([ROOTS / "minimal"], tmp_path, ["plaintext"]).packages
    assert package.path.name == "minimal-1.0-en-plaintext.zip"
    assert zip_names(package.path) == ["basics/tables.txt", "basics/welcome.txt", "more/last.txt"]


def test_unknown_format_name_raises_key_error() -> None:
    with pytest.raises(KeyError):
        get_format("scorm3")


class Broken(PackageFormat):
    """A format whose manifest names a file it forgot to package."""

    name: ClassVar[str] = "broken"
    label: ClassVar[str] = "Broken"

    def package(self, site: Site) -> dict[str, bytes]:
        manifest = (
            b'<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m">'
            b"<metadata><schema>IMS Content</schema><schemaversion>1.1.4</schemaversion></metadata>"
            b'<organizations default="o"><organization identifier="o"><title>t</title>'
            b'<item identifier="i" identifierref="r"><title>t</title></item></organization></organizations>'
            b'<resources><resource identifier="r" type="webcontent" href="missing.html">'
            b'<file href="missing.html"/></resource></resources></manifest>'
        )
        return {"imsmanifest.xml": manifest}


def test_a_package_that_fails_validation_is_never_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    entry = EntryPoint(name="broken", value=f"{__name__}:Broken", group="sabaq.formats")
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda *, group: [entry])
    format_class.cache_clear()
    try:
        with pytest.raises(CourseError) as raised:
            build([ROOTS / "minimal"], tmp_path / "dist", ["broken"])
    finally:
        format_class.cache_clear()
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.message.startswith("package minimal-1.0-en-broken.zip would be broken: ")
    assert "missing.html" in diagnostic.message
    assert not (tmp_path / "dist").exists()
