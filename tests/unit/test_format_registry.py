"""Formats are found in one registry; other packages add theirs through entry points."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import ClassVar

import pytest

import builder.formats
from builder.build import build
from builder.formats import available_formats, get_format, registry
from builder.formats.base import PackageFormat
from builder.render import Site
from tests.support import ROOTS, zip_names


class PlainText(PackageFormat):
    """A third party's format: every lesson as a .txt file."""

    name: ClassVar[str] = "plaintext"
    label: ClassVar[str] = "Plain text"

    def package(self, site: Site) -> dict[str, bytes]:
        return {f"{lesson.id}.txt": lesson.body.encode() for lesson in site.course.lessons}


@pytest.fixture
def third_party_format(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    entry = EntryPoint(name="plaintext", value=f"{__name__}:PlainText", group="sabaq.formats")

    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        return [entry] if group == "sabaq.formats" else []

    monkeypatch.setattr(builder.formats, "entry_points", fake_entry_points)
    registry.cache_clear()
    yield
    registry.cache_clear()


def test_built_in_formats() -> None:
    assert available_formats() == ["cmi5", "imscc11", "imscc13", "imscp", "scorm12", "scorm2004", "website"]
    assert get_format("scorm12").label == "SCORM 1.2"


def test_a_format_registered_by_entry_point_builds(third_party_format: None, tmp_path: Path) -> None:
    assert "plaintext" in available_formats()
    (package,) = build([ROOTS / "minimal"], tmp_path, ["plaintext"]).packages
    assert package.path.name == "minimal-1.0-en-plaintext.zip"
    assert zip_names(package.path) == ["basics/tables.txt", "basics/welcome.txt", "more/last.txt"]


def test_unknown_format_name_raises_key_error() -> None:
    with pytest.raises(KeyError):
        get_format("scorm3")
