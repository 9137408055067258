"""A learner takes a built SCORM 2004 package in Chromium, with scorm-again as the LMS.

The same journey as the SCORM 1.2 tests, against scorm-again's ``Scorm2004API``:
2004 keeps completion (``cmi.completion_status``) apart from success
(``cmi.success_status``), reports progress as ``cmi.progress_measure`` and wants
ISO 8601 durations, all of which scorm-again validates.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Frame, expect

from builder.build import build
from builder.model import progress_keys
from tests.support import ROOTS

from .harness import ApiCall, Lms2004, lesson_frame

LESSONS = ["basics/welcome", "basics/tables", "more/last"]

# SCORM 2004 timeinterval (second, 10,2): ISO 8601 with at most two decimals of seconds.
ISO_DURATION = re.compile(
    r"P(?=.*\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d{1,2})?S)?)?"
)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    return build([ROOTS / "minimal"], out, ["scorm2004"]).packages[0].path


def visit_next(lms: Lms2004, sco: Frame, current: str, count: int) -> None:
    lesson_frame(sco, current).locator("a[rel=next]").click()
    lms.wait_for_call("SetValue", "cmi.location", count=count)


def set_values(session: list[ApiCall], element: str) -> list[str]:
    return [c.value or "" for c in session if c.method == "SetValue" and c.element == element]


def methods(session: list[ApiCall]) -> list[str]:
    return [c.method for c in session]


def test_walk_through_resume_and_complete(lms2004: Lms2004, package: Path) -> None:
    sco = lms2004.open(package)
    lms2004.wait_for_call("SetValue", "cmi.location")
    assert lms2004.calls("Initialize")[0].result == "true"
    assert lms2004.get("cmi.entry") == "ab-initio"
    assert lms2004.get("cmi.completion_status") == "incomplete"
    assert lms2004.get("cmi.success_status") == "unknown"
    assert lms2004.get("cmi.location") == LESSONS[0]
    assert lms2004.get("cmi.progress_measure") == "0.3333"

    visit_next(lms2004, sco, LESSONS[0], count=2)
    assert lms2004.get("cmi.location") == LESSONS[1]
    assert lms2004.get("cmi.completion_status") == "incomplete"
    assert lms2004.get("cmi.progress_measure") == "0.6667"

    # Close the course mid-way: the player terminates once, asking to resume next time.
    sco = lms2004.reload()
    first = lms2004.history()[0]
    assert methods(first).count("Initialize") == 1
    assert methods(first).count("Terminate") == 1
    assert methods(first)[-1] == "Terminate"
    assert first[-1].result == "true"
    assert set(set_values(first, "cmi.exit")) == {"suspend"}
    assert lms2004.saved_state() is not None

    # The new session opens where the learner left off.
    lms2004.wait_for_call("SetValue", "cmi.location")
    assert lms2004.get("cmi.entry") == "resume"
    lesson_frame(sco, LESSONS[1])
    assert lms2004.get("cmi.location") == LESSONS[1]
    assert lms2004.get("cmi.completion_status") == "incomplete"
    assert ISO_DURATION.fullmatch(lms2004.get("cmi.total_time"))

    visit_next(lms2004, sco, LESSONS[1], count=2)
    assert lms2004.get("cmi.completion_status") == "completed"
    assert lms2004.get("cmi.success_status") == "unknown"  # no graded quiz in this course
    assert lms2004.get("cmi.progress_measure") == "1.0000"
    assert lms2004.get("cmi.location") == LESSONS[2]
    keys = progress_keys(LESSONS)
    saved = json.loads(lms2004.get("cmi.suspend_data"))
    assert saved == {"v": 2, "seen": ".".join(sorted(keys.values())), "q": {}}

    # Ticks in the outline show what has been seen.
    last = lesson_frame(sco, LESSONS[2])
    expect(last.locator("a.is-seen")).to_have_count(3)

    sco = lms2004.reload()
    second = lms2004.history()[1]
    assert methods(second).count("Initialize") == 1
    assert methods(second).count("Terminate") == 1
    assert methods(second)[-1] == "Terminate"
    # "suspend" until the course was complete, "normal" once it was.
    assert set_values(second, "cmi.exit")[-1] == "normal"
    # Completion moves one way, set once; success is never touched.
    statuses = set_values(first, "cmi.completion_status") + set_values(
        second, "cmi.completion_status"
    )
    assert statuses == ["incomplete", "incomplete", "completed"]
    assert set_values(first, "cmi.success_status") + set_values(second, "cmi.success_status") == []
    progress = [float(v) for v in set_values(first + second, "cmi.progress_measure")]
    assert progress == sorted(progress) and progress[0] > 0 and progress[-1] == 1

    session_times = set_values(first + second, "cmi.session_time")
    assert session_times and all(ISO_DURATION.fullmatch(t) for t in session_times)
    # scorm-again validates every value: no call but a read may have failed ...
    assert [c for c in first + second if c.method != "GetValue" and c.error != "0"] == []
    assert [c for c in first + second if c.method != "GetValue" and c.result != "true"] == []
    # ... and the only failed reads are of the bookmark and progress that a first
    # session has not stored yet, and of a passing score this LMS does not give
    # (403: "Data Model Element Value Not Initialized").
    failed_reads = [(c.element, c.error) for c in first + second if c.error != "0"]
    assert failed_reads == [
        ("cmi.scaled_passing_score", "403"),
        ("cmi.location", "403"),
        ("cmi.suspend_data", "403"),
        ("cmi.scaled_passing_score", "403"),
    ]

    # The third session: a completed attempt is neither resumed nor reopened.
    lms2004.wait_for_call("SetValue", "cmi.location")
    assert lms2004.get("cmi.entry") == ""
    assert lms2004.get("cmi.completion_status") == "completed"
    assert lms2004.calls("SetValue", "cmi.completion_status") == []
    lesson_frame(sco, LESSONS[2])

    assert lms2004.saved("cmi.completion_status") == "completed"
    assert lms2004.saved("cmi.location") == LESSONS[2]
    assert lms2004.external_requests() == []
    assert lms2004.page_errors == []


def test_switching_tabs_commits_without_terminating(lms2004: Lms2004, package: Path) -> None:
    sco = lms2004.open(package)
    lms2004.wait_for_call("SetValue", "cmi.location")
    commits = len(lms2004.calls("Commit"))
    sco.evaluate(
        """() => {
            Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    lms2004.wait_for_call("Commit", count=commits + 1)
    assert not lms2004.finish_called()
    assert lms2004.get("cmi.exit") == "suspend"
    assert ISO_DURATION.fullmatch(lms2004.calls("SetValue", "cmi.session_time")[-1].value or "")
    assert lms2004.saved("cmi.exit") == "suspend"


def test_outline_links_move_the_bookmark(lms2004: Lms2004, package: Path) -> None:
    sco = lms2004.open(package)
    lms2004.wait_for_call("SetValue", "cmi.location")
    lesson_frame(sco, LESSONS[0]).get_by_role("link", name="The last lesson").click()
    lms2004.wait_for_call("SetValue", "cmi.location", count=2)
    assert lms2004.get("cmi.location") == LESSONS[2]
    assert lms2004.get("cmi.completion_status") == "incomplete"  # one lesson still unseen
    assert lms2004.get("cmi.progress_measure") == "0.6667"
