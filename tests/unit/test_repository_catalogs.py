"""The catalogs in locales/: current with the sources, and the theme fully translated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from builder import i18n
from builder.build import find_courses
from builder.errors import Reporter
from builder.locales import supported_locales
from builder.sources import load_course
from tests.support import REPO

LOCALES = REPO / "locales"
TRANSLATED = [locale.tag for locale in supported_locales() if locale.tag != "en"]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_theme_is_fully_translated(lang: str) -> None:
    catalog = i18n.load_catalog(i18n.catalog_path(LOCALES, lang, i18n.UI_DOMAIN))
    stats = i18n.catalog_stats(catalog)
    assert (stats.fuzzy, stats.untranslated) == (0, 0), lang
    assert catalog.metadata["Plural-Forms"] == i18n.plural_forms(lang)


def test_every_catalog_passes_the_checks() -> None:
    reporter = Reporter()
    checked = i18n.check_all(LOCALES, reporter)
    assert len(checked) >= 2 * len(TRANSLATED)
    assert [d.format() for d in reporter.diagnostics] == []


def test_the_templates_are_current(tmp_path: Path) -> None:
    """`sabaq i18n extract` would change nothing: translators see today's sources."""
    shutil.copytree(LOCALES / "templates", tmp_path / "locales" / "templates")
    courses = []
    for course_dir in find_courses(REPO / "courses"):
        course = load_course(course_dir, Reporter())
        assert course is not None
        courses.append(course)
    # Extract as if the project lived in tmp_path, with the same relative references.
    for course in courses:
        shutil.copytree(course.root, tmp_path / "courses" / course.root.name)
    moved = [load_course(tmp_path / "courses" / c.root.name, Reporter()) for c in courses]
    written = i18n.extract_all([c for c in moved if c is not None], tmp_path / "locales")
    assert [path.name for path, changed in written if changed] == []
