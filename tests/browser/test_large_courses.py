"""A course saved as a bitmap of seen lessons resumes in Chromium under scorm-again.

A course too large to save a key per lesson in SCORM 1.2 saves which lessons were seen
as a bitmap (``quizzes.SeenLayout``); ``tests/js/test_saved_state.py`` checks the
encoding on a 1,040-lesson course. Building and walking that course here would take
minutes, so this test makes the bitmap layout the build's choice for a 100-lesson course
(by lowering the limit the layout is chosen against) and checks the player writes it
and reads it back across sessions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from builder import quizzes
from builder.build import build
from tests.synthetic import MEDIUM, write_course

from .harness import Lms12, lesson_frame


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = write_course(tmp_path_factory.mktemp("medium"), MEDIUM)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(quizzes.SUSPEND_DATA_LIMITS, "scorm12", 1000)
        out = tmp_path_factory.mktemp("dist")
        return build([course], out, ["scorm12"]).packages[0].path


def test_seen_lessons_resume_from_a_bitmap(lms12: Lms12, package: Path) -> None:
    sco = lms12.open(package)
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location")
    lesson_frame(sco, "module-1/lesson-1").locator("a[rel=next]").click()
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location", count=2)
    lesson_frame(sco, "module-1/lesson-2").locator("a[rel=next]").click()
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location", count=3)

    saved = json.loads(lms12.get("cmi.suspend_data"))
    assert saved["v"] == 3 and "seen" not in saved
    assert (
        sum(
            bin("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(c)).count(
                "1"
            )
            for c in saved["s"]
        )
        == 3
    )

    sco = lms12.reload()
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location")
    current = lesson_frame(sco, "module-1/lesson-3")
    expect(current.locator("a.is-seen")).to_have_count(3)
    assert lms12.page_errors == []
