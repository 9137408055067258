"""The saved state of a course of any size: what the runtime writes, it reads back.

A learner's progress lives in suspend_data, which SCORM 1.2 bounds at 4,096 characters.
A course up to a few hundred lessons saves each seen lesson by its key; a larger one
saves a bitmap (``quizzes.SeenLayout``). These tests run ``encodeState`` and
``decodeState`` of the runtime learners run (sabaq.js, in Node) on the layout the build
makes for a 1,040-lesson course, and check the build's worst case bounds what they write.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from builder.errors import Reporter
from builder.model import Course, progress_keys
from builder.quizzes import SUSPEND_DATA_LIMITS, seen_layout, worst_case_state_size
from builder.sources import load_course
from tests.support import REPO, require_tool
from tests.synthetic import LARGE, SMALL, Size, write_course

SABAQ_JS = REPO / "builder" / "themes" / "default" / "static" / "sabaq.js"

RUN = """
const sabaq = require(process.argv[1]);
const request = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = request.calls.map(function (call) {
  return sabaq[call[0]].apply(null, call.slice(1));
});
process.stdout.write(JSON.stringify(out));
"""


def node_calls(*calls: list[Any]) -> list[Any]:
    """Call the runtime's exported functions in one Node process; their results, in order."""
    node = require_tool("node", "nodejs", install="bash scripts/setup.sh --test")
    done = subprocess.run(
        [node, "-e", RUN, str(SABAQ_JS)],
        input=json.dumps({"calls": calls}),
        capture_output=True,
        text=True,
        check=True,
    )
    result: list[Any] = json.loads(done.stdout)
    return result


def synthetic(tmp_path: Path, size: Size, name: str = "course") -> Course:
    course = load_course(write_course(tmp_path / name, size), Reporter())
    assert course is not None
    return course


def runtime_lessons(course: Course) -> dict[str, dict[str, str]]:
    """``byId`` as the player builds it from the page's data (render.Site.render_player)."""
    keys = progress_keys([lesson.id for lesson in course.lessons])
    modules = seen_layout(course).module_keys or {}
    return {
        lesson.id: {"id": lesson.id, "key": keys[lesson.id]}
        | ({"module": modules[lesson.id]} if modules else {})
        for lesson in course.lessons
    }


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Course:
    return synthetic(tmp_path_factory.mktemp("large"), LARGE)


def test_a_1040_lesson_course_fits_scorm12(large: Course) -> None:
    assert len(large.lessons) == 1041
    assert seen_layout(large).encoding == "bitmap"
    assert worst_case_state_size(large) <= SUSPEND_DATA_LIMITS["scorm12"]


def test_the_bitmap_reads_back_every_lesson_seen(large: Course) -> None:
    by_id = runtime_lessons(large)
    layout = seen_layout(large).runtime()
    key_to_id = {lesson["key"]: lesson_id for lesson_id, lesson in by_id.items()}
    chosen = random.Random(7).sample(sorted(by_id), 400)
    everything = {lesson_id: True for lesson_id in by_id}
    some = {"seen": dict.fromkeys(chosen, True), "quizzes": {}, "lang": ""}
    every = {"seen": everything, "quizzes": {}, "lang": ""}
    some_text, every_text = node_calls(
        ["encodeState", some, by_id, layout], ["encodeState", every, by_id, layout]
    )
    decoded_some, decoded_every = node_calls(
        ["decodeState", some_text, key_to_id, layout, by_id],
        ["decodeState", every_text, key_to_id, layout, by_id],
    )
    assert set(decoded_some["seen"]) == set(chosen)
    assert set(decoded_every["seen"]) == set(by_id)
    assert json.loads(every_text)["v"] == 3
    assert len(every_text) <= worst_case_state_size(large)


def test_a_new_version_keeps_the_modules_seen_in_full(tmp_path: Path, large: Course) -> None:
    """Lessons added: the old bitmap's order is unknown, whole modules still count."""
    old_by_id = runtime_lessons(large)
    old_layout = seen_layout(large).runtime()
    first_module = [lesson.id for lesson in large.modules[0].lessons]
    half_of_second = [lesson.id for lesson in large.modules[1].lessons][:5]
    state = {"seen": dict.fromkeys(first_module + half_of_second, True), "quizzes": {}}
    (saved,) = node_calls(["encodeState", state, old_by_id, old_layout])

    grown = write_course(tmp_path / "grown", LARGE)
    extra = grown / "01-module-1" / "99-added-later.md"
    extra.write_text((grown / "01-module-1" / "02-lesson-2.md").read_text(), encoding="utf-8")
    new_course = load_course(grown, Reporter())
    assert new_course is not None
    new_by_id = runtime_lessons(new_course)
    new_layout = seen_layout(new_course).runtime()
    assert new_layout["stamp"] != old_layout["stamp"]
    key_to_id = {lesson["key"]: lesson_id for lesson_id, lesson in new_by_id.items()}
    (decoded,) = node_calls(["decodeState", saved, key_to_id, new_layout, new_by_id])
    assert set(decoded["seen"]) == set(first_module) | {"module-1/added-later"}


def test_state_saved_by_key_still_reads_in_a_bitmap_course(tmp_path: Path, large: Course) -> None:
    """A course that grew past the keys' limit reads what its smaller version saved."""
    by_id = runtime_lessons(large)
    key_to_id = {lesson["key"]: lesson_id for lesson_id, lesson in by_id.items()}
    first = large.lessons[0].id
    keyed = json.dumps({"v": 2, "seen": by_id[first]["key"], "q": {}})
    (decoded,) = node_calls(["decodeState", keyed, key_to_id, seen_layout(large).runtime(), by_id])
    assert decoded["seen"] == {first: True}


def test_a_small_course_still_saves_keys(tmp_path: Path) -> None:
    small = synthetic(tmp_path, SMALL)
    assert seen_layout(small).runtime() == {"encoding": "keys"}


QUIZ = {"questions": [{"kind": "single"}] * 6}


def test_quiz_answers_are_saved_for_the_drawn_questions_only() -> None:
    state = {
        "attempts": 1,
        "best": -1,
        "drawn": [4, 1],
        "answers": ["", "b", "", "", "c", ""],
        "submitted": False,
    }
    saved, decoded = node_calls(
        ["encodeQuizState", state],
        ["decodeQuizState", [1, -1, "4.1", ["c", "b"], 0, 2], QUIZ],
    )
    assert saved == [1, -1, "4.1", ["c", "b"], 0, 2]
    assert decoded["answers"] == state["answers"]
    assert decoded["drawn"] == [4, 1]


def test_quiz_state_of_release_0_1_0_still_reads() -> None:
    """Five elements, an answer for every question of the quiz by its index."""
    (decoded,) = node_calls(
        ["decodeQuizState", [2, 0.5, "4.1", ["", "b", "", "", "c", ""], 1], QUIZ]
    )
    assert decoded["answers"] == ["", "b", "", "", "c", ""]
    assert decoded["submitted"] is True


def test_a_typed_number_is_saved_without_what_json_escapes() -> None:
    question = {"kind": "numeric"}
    typed = '12\\3"4\u00015' + "6" * 40
    (saved,) = node_calls(["encodeResponse", question, typed])
    assert saved == "12345" + "6" * 27
    assert len(json.dumps(saved)) == 32 + 2
