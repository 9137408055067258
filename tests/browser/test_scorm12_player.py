"""A learner takes a built SCORM 1.2 package in Chromium, with scorm-again as the LMS.

scorm-again is someone else's reading of the SCORM 1.2 runtime, so these tests
check our player against the standard rather than against our own assumptions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Frame, expect

from builder.build import build
from builder.model import progress_keys
from tests.support import ROOTS, copy_root

from .harness import Lms12, lesson_frame

LESSONS = ["basics/welcome", "basics/tables", "more/last"]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    return build([ROOTS / "minimal"], out, ["scorm12"]).packages[0].path


def visit_next(lms: Lms12, sco: Frame, current: str, count: int) -> None:
    lesson_frame(sco, current).locator("a[rel=next]").click()
    lms.wait_for_call("LMSSetValue", "cmi.core.lesson_location", count=count)


def test_walk_through_resume_and_complete(lms12: Lms12, package: Path) -> None:
    sco = lms12.open(package)
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location")
    assert lms12.get("cmi.core.lesson_status") == "incomplete"
    assert lms12.get("cmi.core.lesson_location") == LESSONS[0]
    assert lms12.calls("LMSInitialize")[0].result == "true"

    visit_next(lms12, sco, LESSONS[0], count=2)
    assert lms12.get("cmi.core.lesson_location") == LESSONS[1]
    assert lms12.get("cmi.core.lesson_status") == "incomplete"

    # Close the course mid-way: the player finishes once, asking to resume next time.
    sco = lms12.reload()
    first_session = lms12.history()[0]
    assert [c.method for c in first_session].count("LMSFinish") == 1
    assert [c.method for c in first_session].count("LMSInitialize") == 1
    exits = [c.value for c in first_session if c.element == "cmi.core.exit"]
    assert exits[-1] == "suspend"

    # The new session opens where the learner left off.
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location")
    assert lms12.get("cmi.core.entry") == "resume"
    lesson_frame(sco, LESSONS[1])
    assert lms12.get("cmi.core.lesson_location") == LESSONS[1]

    visit_next(lms12, sco, LESSONS[1], count=2)
    assert lms12.get("cmi.core.lesson_status") == "completed"
    assert lms12.get("cmi.core.lesson_location") == LESSONS[2]
    keys = progress_keys(LESSONS)
    saved = json.loads(lms12.get("cmi.suspend_data"))
    assert saved == {"v": 2, "seen": ".".join(sorted(keys.values())), "q": {}}
    assert len(lms12.get("cmi.suspend_data")) < 4096

    # Ticks in the outline show what has been seen.
    last = lesson_frame(sco, LESSONS[2])
    expect(last.locator("a.is-seen")).to_have_count(3)

    sco = lms12.reload()
    second_session = lms12.history()[1]
    assert [c.method for c in second_session].count("LMSFinish") == 1
    session_times = [c.value for c in second_session if c.element == "cmi.core.session_time"]
    assert session_times and all(
        re.fullmatch(r"\d{2,4}:\d{2}:\d{2}\.\d{2}", t or "") for t in session_times
    )
    assert all(c.error in ("", "0") for c in second_session if c.method == "LMSSetValue")
    assert lms12.saved("cmi.core.lesson_status") == "completed"
    assert lms12.external_requests() == []
    assert lms12.page_errors == []


def test_switching_tabs_commits_without_finishing(lms12: Lms12, package: Path) -> None:
    sco = lms12.open(package)
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location")
    commits = len(lms12.calls("LMSCommit"))
    sco.evaluate(
        """() => {
            Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    lms12.wait_for_call("LMSCommit", count=commits + 1)
    assert not lms12.finish_called()
    assert re.fullmatch(
        r"\d{2}:\d{2}:\d{2}\.\d{2}",
        lms12.calls("LMSSetValue", "cmi.core.session_time")[-1].value or "",
    )


def test_outline_links_move_the_bookmark(lms12: Lms12, package: Path) -> None:
    sco = lms12.open(package)
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location")
    lesson_frame(sco, LESSONS[0]).get_by_role("link", name="The last lesson").click()
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location", count=2)
    assert lms12.get("cmi.core.lesson_location") == LESSONS[2]
    assert lms12.get("cmi.core.lesson_status") == "incomplete"  # one lesson still unseen


def test_player_runs_without_an_lms(browser_page_without_lms: tuple[Frame, list[str]]) -> None:
    sco, errors = browser_page_without_lms
    lesson_frame(sco, LESSONS[0]).locator("a[rel=next]").click()
    lesson_frame(sco, LESSONS[1])
    assert errors == []


@pytest.fixture(scope="module")
def linear_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = copy_root("minimal", tmp_path_factory.mktemp("linear"))
    config = course / "course.yml"
    config.write_text(config.read_text(encoding="utf-8") + "navigation: linear\n", encoding="utf-8")
    return build([course], tmp_path_factory.mktemp("dist"), ["scorm12"]).packages[0].path


def test_linear_navigation_opens_lessons_in_order(lms12: Lms12, linear_package: Path) -> None:
    sco = lms12.open(linear_package)
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location")
    first = lesson_frame(sco, LESSONS[0])
    last_link = first.locator(".outline").get_by_role("link", name="The last lesson")
    expect(last_link).to_have_attribute("aria-disabled", "true")
    last_link.click(force=True)  # a learner may still click it
    lesson_frame(sco, LESSONS[0])  # still here
    # Reached by its address anyway, the page is sent back.
    first.evaluate("() => { location.href = '../02-more/01-last.html'; }")
    lesson_frame(sco, LESSONS[0])
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location", count=2)  # shown again
    assert lms12.get("cmi.core.lesson_location") == LESSONS[0]
    visit_next(lms12, sco, LESSONS[0], count=3)
    second = lesson_frame(sco, LESSONS[1])
    expect(
        second.locator(".outline").get_by_role("link", name="The last lesson")
    ).not_to_have_attribute("aria-disabled", "true")
    visit_next(lms12, sco, LESSONS[1], count=4)
    assert lms12.get("cmi.core.lesson_status") == "completed"
