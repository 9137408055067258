"""The courses we ship build cleanly and pass the official schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.build import BuiltPackage, build, find_courses
from builder.formats import available_formats
from tests.support import REPO, schema_problems, zip_names

COURSES = find_courses(REPO / "courses")


def test_the_sample_course_is_there() -> None:
    assert [course.name for course in COURSES] == ["blockchain-foundations"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[BuiltPackage]:
    result = build(COURSES, tmp_path_factory.mktemp("dist"))
    assert result.warnings == []
    return result.packages


def test_every_shipped_package_passes_the_schemas(built: list[BuiltPackage]) -> None:
    assert {package.format for package in built} == set(available_formats())
    for package in built:
        if package.format != "website":  # a website has no manifest to validate
            assert schema_problems(package.path) == [], package.path.name


def test_blockchain_course_has_its_lessons(built: list[BuiltPackage]) -> None:
    (scorm12,) = [p for p in built if p.format == "scorm12"]
    names = zip_names(scorm12.path)
    pages = [n for n in names if n.startswith("content/") and n.endswith(".html")]
    assert len(pages) >= 6
    assert sum(1 for n in names if n.endswith(".svg")) >= 5
    assert Path(scorm12.path).name == "blockchain-foundations-0.1.0-en-scorm12.zip"
