"""The sample course's offline website: each page's ids are unique and its links inside it land.

Quizzes are rendered piece by piece inside their lesson's page, so a piece that
repeats part of the page (its footnotes, say) shows up here as a duplicate id.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from builder.build import build
from tests.support import SAMPLE_COURSE

_ID = re.compile(r'\sid="([^"]*)"')
_SAME_PAGE_LINK = re.compile(r'\shref="#([^"]*)"')
_FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]\s]+\]:", re.MULTILINE)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Package path → HTML of every page of the sample course's English website."""
    out = tmp_path_factory.mktemp("dist")
    result = build([SAMPLE_COURSE], out, ["website"], languages=["en"])
    (package,) = result.packages
    assert package.folder is not None
    return {
        page.relative_to(package.folder).as_posix(): page.read_text(encoding="utf-8")
        for page in sorted(package.folder.rglob("*.html"))
    }


def lesson_sources() -> list[Path]:
    return sorted(SAMPLE_COURSE.glob("[0-9]*/[0-9]*.md"))


def test_every_page_has_unique_ids(pages: dict[str, str]) -> None:
    duplicates = {
        path: sorted({i for i in _ID.findall(html) if _ID.findall(html).count(i) > 1})
        for path, html in pages.items()
    }
    assert {path: ids for path, ids in duplicates.items() if ids} == {}


def test_every_link_inside_a_page_has_its_target(pages: dict[str, str]) -> None:
    dangling = {
        path: sorted(set(_SAME_PAGE_LINK.findall(html)) - set(_ID.findall(html)))
        for path, html in pages.items()
    }
    assert {path: ids for path, ids in dangling.items() if ids} == {}


@pytest.mark.parametrize("source", lesson_sources(), ids=lambda path: path.stem)
def test_a_lesson_with_footnotes_lists_them_once(pages: dict[str, str], source: Path) -> None:
    page = f"content/{source.relative_to(SAMPLE_COURSE).with_suffix('.html').as_posix()}"
    has_notes = _FOOTNOTE_DEFINITION.search(source.read_text(encoding="utf-8")) is not None
    assert pages[page].count('<section class="footnotes">') == (1 if has_notes else 0)


_POLICY = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def test_every_page_of_every_player_forbids_outside_requests(tmp_path: Path) -> None:
    """The browser itself refuses anything from elsewhere, whatever a page came to hold."""
    result = build([SAMPLE_COURSE], tmp_path, ["scorm12", "cmi5", "website"], languages=["en"])
    for package in result.packages:
        with zipfile.ZipFile(package.path) as archive:
            for name in archive.namelist():
                if not name.endswith(".html"):
                    continue
                html = archive.read(name).decode("utf-8")
                (policy,) = _POLICY.findall(html)
                directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
                assert directives["default-src"] == "'self' file:", (package.format, name)
                assert directives["form-action"] == "'none'"
                assert directives["object-src"] == "'none'"
                # Only a cmi5 player talks to the network: to the LRS its LMS names.
                player = package.format == "cmi5" and name == "index.html"
                assert directives["connect-src"] == ("*" if player else "'none'"), name
