"""A course of a hundred lessons and more: pages stay small, lookups stay quick.

Each page of a small course lists every lesson in its outline; beyond
``render.OUTLINE_ALL_LESSONS`` a lesson page lists the modules and its own module's
lessons, while the home page still lists them all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.errors import Reporter
from builder.render import (
    OUTLINE_ALL_LESSONS,
    Site,
    _LessonPageMaker,
    _outline,
    render_site,
)
from builder.sources import load_course
from tests.synthetic import MEDIUM, SMALL, Size, write_course


def site_of(tmp_path: Path, size: Size) -> Site:
    course = load_course(write_course(tmp_path, size), Reporter())
    assert course is not None
    return render_site(course, "en", Reporter())


def outline_of(page: bytes) -> str:
    found = re.search(r'<nav class="outline".*?</nav>', page.decode(), re.S)
    assert found is not None
    return found.group(0)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return site_of(tmp_path_factory.mktemp("medium"), MEDIUM)


def test_a_large_course_lists_its_own_module_in_each_page(medium: Site) -> None:
    assert len(medium.course.lessons) > OUTLINE_ALL_LESSONS
    outline = outline_of(medium.files["content/03-module-3/02-lesson-2.html"])
    lessons = re.findall(r'<li><a dir="auto" href="[^"]*" data-lesson="([^"]+)"', outline)
    assert lessons == [f"module-3/lesson-{n}" for n in range(1, 11)]
    assert 'aria-current="page">Lesson 3.2' in outline
    modules = re.findall(
        r'class="module-title" dir="auto" href="([^"]+)" data-lesson="([^"]+)"', outline
    )
    # Every other module is a link to its first lesson; its own is its title.
    assert len(modules) == len(medium.course.modules) - 1
    assert ("../01-module-1/01-lesson-1.html", "module-1/lesson-1") in modules


def test_the_home_page_lists_every_lesson(medium: Site) -> None:
    outline = outline_of(medium.files["home.html"])
    assert outline.count("data-lesson=") == len(medium.course.lessons)


def test_pages_do_not_grow_with_the_course(tmp_path: Path, medium: Site) -> None:
    small = site_of(tmp_path, SMALL)
    page = "content/01-module-1/02-lesson-2.html"
    assert len(medium.files[page]) < 1.5 * len(small.files[page])


def test_a_small_course_lists_every_lesson_in_every_page(tmp_path: Path) -> None:
    small = site_of(tmp_path, SMALL)
    outline = outline_of(small.files["content/02-module-2/01-lesson-1.html"])
    assert outline.count("data-lesson=") == len(small.course.lessons)
    assert '<a class="module-title"' not in outline


@pytest.mark.parametrize("size", [SMALL, MEDIUM], ids=["every lesson", "own module"])
def test_each_page_marks_itself_in_the_outline_its_module_shares(
    tmp_path: Path, size: Size
) -> None:
    """The outline is rendered once per module and the page's lesson marked in it: the
    same, page by page, as the outline rendered for that page alone."""
    course = load_course(write_course(tmp_path, size), Reporter())
    assert course is not None
    maker = _LessonPageMaker(course, "en", None, None, graded_in_pages=True)
    for lesson in course.lessons:
        page = maker.page_info(lesson.output_path)
        alone = maker.outline_template.render(outline=_outline(course, lesson, page))
        shared = maker.outline(lesson, page)
        assert shared + "\n" == alone, lesson.id
        assert shared.count('aria-current="page"') == 1
