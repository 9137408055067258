"""Quizzes and the final exam in Chromium, with scorm-again as the LMS.

What Moodle reads is asserted: the score (``cmi.core.score.raw`` in 1.2,
``cmi.score.scaled`` in 2004), the status, and one interaction per answered
question; and answers survive closing the course in the middle of the exam.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, expect

from builder.build import build
from builder.errors import Reporter
from builder.quizzes import worst_case_state_size
from builder.sources import load_course
from tests.support import ROOTS

from .harness import Lms12, Lms2004, ScormLms, lesson_frame
from .lrs import CMI5_CATEGORY, MOVEON_CATEGORY, Cmi5Lms

QUIZ_LESSON = "basics/quiz"
EXAM_LESSON = "basics/exam"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    result = build([ROOTS / "certification"], tmp_path_factory.mktemp("dist"))
    return {package.format: package.path for package in result.packages}


def go_to(sco: Frame, title: str, lesson_id: str) -> Frame:
    sco.child_frames[0].locator(".outline").get_by_role("link", name=title, exact=True).click()
    return lesson_frame(sco, lesson_id)


def question(page: Frame, question_id: str) -> str:
    return f'fieldset[data-question="{question_id}"]'


def arrange(page: Frame, question_id: str, order: list[str]) -> None:
    """Put an ordering question's items in ``order`` with its Move up buttons."""
    for position, item_id in enumerate(order):
        while True:
            items = page.locator(f"{question(page, question_id)} .ordering li").evaluate_all(
                "items => items.map(item => item.dataset.item)"
            )
            if items.index(item_id) <= position:
                break
            page.locator(
                f'{question(page, question_id)} li[data-item="{item_id}"] .move-up'
            ).click()


def answer_module_quiz_right(page: Frame) -> None:
    page.locator(f'{question(page, "mq-hash")} input[value="b"]').check()
    page.locator(f'{question(page, "mq-consensus")} input[value="a"]').check()
    page.locator(f'{question(page, "mq-consensus")} input[value="b"]').check()
    page.locator(f"{question(page, 'mq-unit')} input").fill("Satoshi")
    page.locator('[data-quiz="module-quiz"] .submit-quiz').click()


def answer_exam(page: Frame, *, right: bool) -> None:
    page.locator(f'{question(page, "ex-tf")} input[value="{"false" if right else "true"}"]').check()
    page.locator(f"{question(page, 'ex-bits')} input").fill("256" if right else "128")
    matches = {"1": "a", "2": "b"} if right else {"1": "b", "2": "a"}
    for pair, target in matches.items():
        page.locator(f'{question(page, "ex-match")} select[data-pair="{pair}"]').select_option(
            target
        )
    arrange(page, "ex-order", ["a", "b", "c"] if right else ["c", "b", "a"])
    page.locator('[data-quiz="final-exam"] .submit-quiz').click()


def interactions(lms: ScormLms, prefix: str, fields: list[str]) -> list[dict[str, str]]:
    count = int(lms.get(f"{prefix}._count"))
    return [{field: lms.get(f"{prefix}.{n}.{field}") for field in fields} for n in range(count)]


def test_scorm12_failing_then_resuming_mid_exam(lms12: Lms12, packages: dict[str, Path]) -> None:
    sco = lms12.open(packages["scorm12"])
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location")
    quiz = go_to(sco, "Module quiz", QUIZ_LESSON)
    answer_module_quiz_right(quiz)
    lms12.wait_for_call("LMSSetValue", "cmi.interactions.2.id")
    expect(quiz.locator('[data-quiz="module-quiz"] .quiz-result')).to_contain_text(
        "You scored 4 of 4 points (100%)."
    )
    expect(quiz.locator('[data-quiz="module-quiz"] .course-result')).to_have_text(
        "Graded quizzes taken: 1 of 2. Your course score is recorded once you have taken them all."
    )
    # One graded quiz of two is taken: neither a verdict nor a score yet, which
    # Moodle's mastery override would turn into "failed".
    assert lms12.get("cmi.core.lesson_status") == "incomplete"
    assert lms12.get("cmi.core.score.raw") == ""
    assert interactions(
        lms12, "cmi.interactions", ["id", "type", "student_response", "result", "weighting"]
    ) == [
        {
            "id": "mq-hash",
            "type": "choice",
            "student_response": "b",
            "result": "correct",
            "weighting": "1",
        },
        {
            "id": "mq-consensus",
            "type": "choice",
            "student_response": "a,b",
            "result": "correct",
            "weighting": "2",
        },
        {
            "id": "mq-unit",
            "type": "fill-in",
            "student_response": "Satoshi",
            "result": "correct",
            "weighting": "1",
        },
    ]
    assert lms12.get("cmi.interactions.1.correct_responses.0.pattern") == "a,b"

    # Halfway through the exam the learner closes the course…
    exam = go_to(sco, "Final exam", EXAM_LESSON)
    exam.locator(f'{question(exam, "ex-tf")} input[value="true"]').check()
    exam.locator(f"{question(exam, 'ex-bits')} input").fill("128")
    lms12.wait_for_call("LMSSetValue", "cmi.suspend_data", count=5)
    sco = lms12.reload()
    # …and comes back to the same page with the same answers.
    exam = lesson_frame(sco, EXAM_LESSON)
    expect(exam.locator(f'{question(exam, "ex-tf")} input[value="true"]')).to_be_checked()
    expect(exam.locator(f"{question(exam, 'ex-bits')} input")).to_have_value("128")
    expect(exam.locator(".outline a.is-seen")).to_have_count(3)
    expect(exam.locator('[data-quiz="final-exam"] .quiz-result')).to_have_text(
        "Your earlier answers were restored."
    )
    quiz_state = json.loads(lms12.get("cmi.suspend_data"))["q"]
    assert len(quiz_state) == 2

    answer_exam(exam, right=False)
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_status", count=1)
    expect(exam.locator('[data-quiz="final-exam"] .quiz-result')).to_contain_text(
        "You scored 0 of 4 points"
    )
    expect(exam.locator(".certificate")).to_be_hidden()
    # The exam must be passed (the default when a course has one): the course score is
    # capped by the exam's, so the LMS's own rule (score < mastery) agrees: failed.
    expect(exam.locator('[data-quiz="final-exam"] .course-result')).to_have_text(
        "Course score: 0%. You need 70% to pass the course."
    )
    assert lms12.get("cmi.core.lesson_status") == "failed"
    assert lms12.get("cmi.core.score.raw") == "0"
    results = interactions(lms12, "cmi.interactions", ["id", "type", "student_response", "result"])[
        3:
    ]
    assert results == [
        {"id": "ex-tf", "type": "true-false", "student_response": "t", "result": "wrong"},
        {"id": "ex-bits", "type": "numeric", "student_response": "128", "result": "wrong"},
        {"id": "ex-match", "type": "matching", "student_response": "1.b,2.a", "result": "wrong"},
        {"id": "ex-order", "type": "sequencing", "student_response": "c,b,a", "result": "wrong"},
    ]
    # The second attempt passes, and the certificate carries the learner's name from the LMS.
    exam.locator('[data-quiz="final-exam"] .retry-quiz').click()
    answer_exam(exam, right=True)
    expect(exam.locator(".certificate")).to_be_visible()
    expect(exam.locator('.certificate [data-field="name"]')).to_have_text("Test Learner")
    expect(exam.locator('.certificate [data-field="score"]')).to_have_text("100%")
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_status", count=2)
    assert lms12.get("cmi.core.lesson_status") == "passed"
    assert lms12.get("cmi.core.score.raw") == "100"
    assert (lms12.get("cmi.core.score.min"), lms12.get("cmi.core.score.max")) == ("0", "100")
    # The build's worst case really bounds what the runtime saves.
    course = load_course(ROOTS / "certification", Reporter())
    assert course is not None
    assert len(lms12.get("cmi.suspend_data")) <= worst_case_state_size(course)
    assert lms12.page_errors == []


def test_answers_given_just_before_leaving_are_kept(
    lms12: Lms12, packages: dict[str, Path]
) -> None:
    """Answers are saved 0.4 s after the last change; a learner who leaves sooner loses
    none: going to another lesson (the exam's page goes, the player stays), or closing
    the course (the player goes first)."""
    sco = lms12.open(packages["scorm12"])
    lms12.wait_for_call("LMSSetValue", "cmi.core.lesson_location")
    exam = go_to(sco, "Final exam", EXAM_LESSON)
    exam.locator(f'{question(exam, "ex-tf")} input[value="true"]').check()
    exam.locator(f'.outline a[data-lesson="{QUIZ_LESSON}"]').click()
    quiz = lesson_frame(sco, QUIZ_LESSON)
    quiz.locator(f'.outline a[data-lesson="{EXAM_LESSON}"]').click()
    exam = lesson_frame(sco, EXAM_LESSON)
    expect(exam.locator(f'{question(exam, "ex-tf")} input[value="true"]')).to_be_checked()
    exam.locator(f"{question(exam, 'ex-bits')} input").fill("128")
    sco = lms12.reload()
    exam = lesson_frame(sco, EXAM_LESSON)
    expect(exam.locator(f"{question(exam, 'ex-bits')} input")).to_have_value("128")
    expect(exam.locator(f'{question(exam, "ex-tf")} input[value="true"]')).to_be_checked()


def test_website_keeps_answers_given_just_before_leaving(browser: Browser, tmp_path: Path) -> None:
    """On the offline website, answers are kept in the browser, even those given
    just before the learner reloads or leaves the page, or switches to another app."""
    (package,) = build([ROOTS / "certification"], tmp_path, ["website"]).packages
    assert package.folder is not None
    folder = package.folder
    course = load_course(ROOTS / "certification", Reporter())
    assert course is not None
    exam_page = next(lesson for lesson in course.lessons if lesson.id == EXAM_LESSON)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto((folder / exam_page.output_path).as_uri())
        page.locator(f"{question(page.main_frame, 'ex-bits')} input").fill("128")
        page.reload()
        expect(page.locator(f"{question(page.main_frame, 'ex-bits')} input")).to_have_value("128")
        # Switching away from the browser saves at once too: a phone may then close it
        # without a word. One script, so that no save can happen in between.
        before, after = page.evaluate(SWITCHED_AWAY, f"{question(page.main_frame, 'ex-tf')} input")
        assert before != after
    finally:
        context.close()


SWITCHED_AWAY = """(selector) => {
  const input = document.querySelector(selector);
  input.checked = true;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  const before = JSON.stringify(localStorage);
  Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
  return [before, JSON.stringify(localStorage)];
}"""


def test_scorm2004_failing_then_passing(lms2004: Lms2004, packages: dict[str, Path]) -> None:
    sco = lms2004.open(packages["scorm2004"])
    lms2004.wait_for_call("SetValue", "cmi.location")
    assert lms2004.get("cmi.success_status") == "unknown"
    answer_module_quiz_right(go_to(sco, "Module quiz", QUIZ_LESSON))
    lms2004.wait_for_call("SetValue", "cmi.interactions.2.id")
    assert lms2004.get("cmi.success_status") == "unknown"  # the exam is still to come
    assert lms2004.get("cmi.score.scaled") == ""
    exam = go_to(sco, "Final exam", EXAM_LESSON)
    answer_exam(exam, right=False)
    lms2004.wait_for_call("SetValue", "cmi.success_status")
    assert lms2004.get("cmi.success_status") == "failed"
    assert float(lms2004.get("cmi.score.scaled")) == 0
    # Every lesson seen and every graded quiz taken: complete, though not passed.
    assert lms2004.get("cmi.completion_status") == "completed"
    exam.locator('[data-quiz="final-exam"] .retry-quiz').click()
    answer_exam(exam, right=True)
    lms2004.wait_for_call("SetValue", "cmi.success_status", count=2)
    assert lms2004.get("cmi.success_status") == "passed"
    assert lms2004.get("cmi.completion_status") == "completed"
    assert float(lms2004.get("cmi.score.scaled")) == 1.0
    assert (
        lms2004.get("cmi.score.raw"),
        lms2004.get("cmi.score.min"),
        lms2004.get("cmi.score.max"),
    ) == ("100", "0", "100")
    recorded = interactions(
        lms2004, "cmi.interactions", ["id", "type", "learner_response", "result"]
    )
    exam_ids = ["ex-tf", "ex-bits", "ex-match", "ex-order"]
    assert [r["id"] for r in recorded] == [
        "mq-hash",
        "mq-consensus",
        "mq-unit",
        *exam_ids,
        *exam_ids,
    ]
    assert recorded[1]["learner_response"] == "a[,]b"
    assert [r["result"] for r in recorded[3:7]] == ["incorrect"] * 4
    assert recorded[9]["learner_response"] == "1[.]a[,]2[.]b"
    assert recorded[10]["learner_response"] == "a[,]b[,]c"
    assert all(r["result"] == "correct" for r in recorded[7:])
    assert lms2004.get("cmi.interactions.8.correct_responses.0.pattern") == "256[:]256"
    errors = [c for c in lms2004.log() if c.method == "SetValue" and c.error not in ("", "0")]
    assert errors == []
    assert lms2004.page_errors == []


def test_knowledge_check_gives_feedback_without_a_score(
    lms12: Lms12, packages: dict[str, Path]
) -> None:
    sco = lms12.open(packages["scorm12"])
    reading = lesson_frame(sco, "basics/reading")
    reading.locator(f'{question(reading, "check-hash")} input[value="b"]').check()
    check_hash = reading.locator(question(reading, "check-hash"))
    check_hash.get_by_role("button", name="Check my answer").click()
    expect(reading.locator(f"{question(reading, 'check-hash')} .verdict")).to_have_text(
        "Not quite."
    )
    expect(reading.get_by_text("The next block does not exist yet.")).to_be_visible()
    # A first miss gets a second chance, not the answer.
    expect(reading.locator(".try-again")).to_be_visible()
    expect(reading.locator(".right-answer")).to_have_count(0)
    check_hash.get_by_role("button", name="Check my answer").click()
    expect(reading.locator(".try-again")).to_have_count(0)
    expect(reading.locator(".right-answer")).to_contain_text("The previous block's hash")
    # A numeric answer is shown as the one number it is, not as a range "256 – 256".
    bits = reading.locator(question(reading, "check-bits"))
    bits.locator("input").fill("128")
    for _ in range(2):
        bits.get_by_role("button", name="Check my answer").click()
    expect(bits.locator(".right-answer")).to_have_text("The right answer: 256")
    assert lms12.calls("LMSSetValue", "cmi.core.score.raw") == []


def test_cmi5_sends_passed_with_the_score(cmi5_lms: Cmi5Lms, packages: dict[str, Path]) -> None:
    player = cmi5_lms.open(packages["cmi5"])
    launch, course = cmi5_lms.launch, cmi5_lms.course
    assert launch is not None and course is not None
    lrs = cmi5_lms.lrs
    lrs.wait_for_verb("initialized", launch.number)
    answer_module_quiz_right(go_to(player, "Module quiz", QUIZ_LESSON))
    answer_exam(go_to(player, "Final exam", EXAM_LESSON), right=True)
    passed = lrs.wait_for_verb("passed", launch.number)
    assert passed["result"]["success"] is True
    assert passed["result"]["score"] == {"scaled": 1, "raw": 100, "min": 0, "max": 100}
    categories = [c["id"] for c in passed["context"]["contextActivities"]["category"]]
    assert categories == [CMI5_CATEGORY, MOVEON_CATEGORY]
    lrs.wait_for_verb("completed", launch.number)

    def answered_statements() -> list[dict[str, Any]]:
        return [
            s for s in lrs.statements_of(launch.number) if s["verb"]["id"].endswith("/answered")
        ]

    lrs.wait_until(lambda: len(answered_statements()) == 7, "seven answered statements")
    answered = answered_statements()
    assert len(answered) == 7
    # Sent side by side, so they may arrive in any order: find each by its question.
    by_question = {
        statement["object"]["id"].rsplit("/", 1)[-1]: statement for statement in answered
    }
    hash_answer = by_question["mq-hash"]
    assert hash_answer["object"]["definition"]["interactionType"] == "choice"
    assert hash_answer["result"]["response"] == "b" and hash_answer["result"]["success"] is True
    assert by_question["ex-order"]["result"]["response"] == "a[,]b[,]c"
    assert "failed" not in lrs.verbs(launch.number)
    assert cmi5_lms.page_errors == []
