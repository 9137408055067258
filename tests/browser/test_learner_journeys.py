"""Acceptance: every course in ``courses/`` taken by a learner, in every player format.

For each shipped course (found afresh on every run, so a new course is covered the
moment it is added) a learner in Chromium walks the lessons, takes every graded quiz
and the exam, and closes the course in the middle of the exam to resume it. Each
journey ends with a known outcome (all passed, all failed, modules right and the exam
wrong, and the reverse), and the test asserts what the learner sees (course result,
certificate) and what the LMS records: SCORM 1.2 and 2004 under scorm-again with
the manifest's mastery score and mastery override on, as in Moodle; cmi5 with the
LRS stub and the course structure's masteryScore; the offline website on its own.
Until the result is final the LMS must hear neither a score nor a verdict. Any
uncaught error in a page fails the journey.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import polib
import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from builder.assessment import Quiz
from builder.build import build
from builder.errors import Reporter
from builder.grading import GradingPolicy, grading_policy
from builder.model import Course
from builder.plan import renditions
from builder.quizzes import SUSPEND_DATA_LIMITS, quiz_keys, worst_case_state_size
from builder.sources import load_course

from .harness import REPO_ROOT, Lms12, Lms2004, ScormLms, lesson_frame, serve_directory
from .learner import (
    CourseOutcome,
    answer,
    drawn_questions,
    expected_outcome,
    graded_quizzes_of,
    submit,
    take_quiz,
)
from .lrs import Cmi5Lms, Lrs

COURSES = sorted(path.parent for path in (REPO_ROOT / "courses").glob("*/course.yml"))
PLAYER_FORMATS = ["scorm12", "scorm2004", "cmi5", "website"]
RESUMED = "Your earlier answers were restored."
CERTIFICATE_NAME = "Test Learner"  # cmi.core.student_name "Learner, Test", as Moodle sends it


@dataclass(frozen=True)
class Shipped:
    """One course of ``courses/``, built in every player format."""

    course: Course
    policy: GradingPolicy
    packages: dict[str, Path]
    theme: dict[str, str] = field(default_factory=dict)
    """The theme's words in the package's language (none: the source language)."""

    def words(self, message: str, **values: object) -> str:
        """What the page says for the theme's ``message`` with ``values`` put in."""
        text = self.theme.get(message) or message
        return text.replace("%%", "%").format(**values)

    @property
    def counted(self) -> list[str]:
        return [quiz.id for quiz in self.policy.quizzes]

    @property
    def exam_ids(self) -> list[str]:
        return [quiz.id for quiz in self.policy.quizzes if quiz.exam]


@pytest.fixture(scope="module", params=COURSES, ids=[path.name for path in COURSES])
def shipped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Shipped:
    course_dir: Path = request.param
    reporter = Reporter()
    course = load_course(course_dir, reporter)
    assert course is not None and not reporter.errors, reporter.errors
    out = tmp_path_factory.mktemp(course_dir.name)
    result = build([course_dir], out, PLAYER_FORMATS, languages=[course.config.language])
    packages = {
        package.format: package.folder
        if package.format == "website" and package.folder
        else package.path
        for package in result.packages
    }
    assert sorted(packages) == sorted(PLAYER_FORMATS)
    return Shipped(course, grading_policy(course), packages)


@pytest.fixture(scope="module", params=COURSES, ids=[path.name for path in COURSES])
def shipped_in_urdu(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Shipped:
    """The course's Urdu SCORM 1.2 package: every course is shipped in Urdu too."""
    course_dir: Path = request.param
    course = load_course(course_dir, Reporter())
    assert course is not None
    (urdu,) = renditions(course, ["ur"], REPO_ROOT / "locales", Reporter())
    out = tmp_path_factory.mktemp(f"{course_dir.name}-ur")
    (package,) = build([course_dir], out, ["scorm12"], languages=["ur"]).packages
    theme = polib.pofile(str(REPO_ROOT / "locales" / "ur" / "LC_MESSAGES" / "sabaq.po"))
    words = {entry.msgid: entry.msgstr for entry in theme if entry.msgstr}
    return Shipped(urdu.course, grading_policy(urdu.course), {"scorm12": package.path}, words)


def test_every_shipped_course_is_covered() -> None:
    assert COURSES, "no course under courses/"
    assert all((path / "course.yml").is_file() for path in COURSES)


# ---------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class Plan:
    """How the learner answers: each counted quiz all right or all wrong."""

    name: str
    exam_right: bool
    modules_right: bool
    walk: bool = False
    """Open every lesson in order (else only the lessons holding graded quizzes)."""
    resume: bool = False
    """Close the course halfway through the exam and come back."""
    retry: bool = False
    """Fail the exam's first attempt (a final "failed"), then take it again."""

    def right(self, shipped: Shipped, quiz_id: str) -> bool:
        return self.exam_right if quiz_id in shipped.exam_ids else self.modules_right


# Failing first (modules right, exam wrong: the "modules high, exam low" mix), then
# passing on the second attempt, which is interrupted and resumed half-way.
FAIL_THEN_PASS = Plan(
    "fail-then-pass", exam_right=True, modules_right=True, walk=True, resume=True, retry=True
)
EXAM_HIGH = Plan("exam-high-modules-low", exam_right=True, modules_right=False)
FAIL = Plan("fail", exam_right=False, modules_right=False)


def outcome(shipped: Shipped, plan: Plan) -> CourseOutcome:
    return expected_outcome(
        shipped.policy, {quiz_id: plan.right(shipped, quiz_id) for quiz_id in shipped.counted}
    )


def js_number(value: float) -> str:
    """A number as the runtime writes it with String(): 70, 33.33."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------- players


class Player:
    """One player format as the journey drives it."""

    def open(self) -> None:
        raise NotImplementedError

    def reopen(self) -> None:
        """Close the course (its session ends) and launch it again."""
        raise NotImplementedError

    def quiz_state(self, key: str) -> Any:
        """The saved state of one quiz as the LMS (or browser) holds it now."""
        raise NotImplementedError

    def frame(self) -> Frame:
        raise NotImplementedError

    def page_errors(self) -> list[str]:
        raise NotImplementedError

    def lesson(self, lesson_id: str) -> Frame:
        return lesson_frame(self.frame(), lesson_id)

    def go_to(self, current: Frame, lesson_id: str) -> Frame:
        settled(current).locator(f'.outline a[data-lesson="{lesson_id}"]').click()
        return self.lesson(lesson_id)

    def next(self, current: Frame, lesson_id: str) -> Frame:
        settled(current).locator("a[rel=next]").click()
        return self.lesson(lesson_id)


def settled(frame: Frame) -> Frame:
    """``frame`` once its images have loaded: a diagram that arrives while a link is being
    clicked moves the link from under the pointer, and the click lands on nothing."""
    frame.wait_for_load_state("load")
    return frame


class ScormPlayer(Player):
    def __init__(self, lms: ScormLms, package: Path) -> None:
        self.lms = lms
        self.package = package

    def open(self) -> None:
        self.lms.open(self.package)
        self.lms.wait_initialized()

    def reopen(self) -> None:
        self.lms.reload()
        self.lms.wait_initialized()

    def frame(self) -> Frame:
        return self.lms.frame()

    def page_errors(self) -> list[str]:
        return self.lms.page_errors

    def quiz_state(self, key: str) -> Any:
        text = self.lms.get("cmi.suspend_data")  # the same element in 1.2 and 2004
        return json.loads(text).get("q", {}).get(key) if text else None


class WebsitePlayer(Player):
    """The offline website from disk: each lesson is a page of its own."""

    def __init__(self, page: Page, folder: Path, course: Course) -> None:
        self.page = page
        self.folder = folder
        self.course = course
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self) -> None:
        first = self.course.lessons[0]
        self.page.goto((self.folder / first.output_path).as_uri())

    def reopen(self) -> None:
        self.page.reload()

    def frame(self) -> Frame:
        return self.page.main_frame

    def lesson(self, lesson_id: str) -> Frame:
        expect(self.page.locator("body")).to_have_attribute("data-lesson", lesson_id)
        return self.page.main_frame

    def next(self, current: Frame, lesson_id: str) -> Frame:
        link = settled(current).locator("a[rel=next]")
        link.click()
        try:
            expect(self.page.locator("body")).to_have_attribute(
                "data-lesson", lesson_id, timeout=3_000
            )
        except AssertionError:
            # Seen about once in fifteen walks of a file:// website under load: the click
            # on "Next" leaves the page as it was. A learner clicks again; so does the
            # test, once, and a link that never leads on still fails below.
            link.click()
        return self.lesson(lesson_id)

    def page_errors(self) -> list[str]:
        return self.errors

    def quiz_state(self, key: str) -> Any:
        saved = self.page.evaluate(
            "(id) => localStorage.getItem('sabaq:' + id + ':quizzes')", self.course.config.id
        )
        return json.loads(saved).get(key) if saved else None


class Cmi5Player(Player):
    STATE_ID = "https://w3id.org/xapi/sabaq/state/progress"

    def __init__(self, lms: Cmi5Lms, package: Path) -> None:
        self.lms = lms
        self.package = package

    def open(self) -> None:
        self.lms.open(self.package)
        assert self.lms.launch is not None
        self.lms.lrs.wait_for_verb("initialized", self.lms.launch.number)

    def reopen(self) -> None:
        self.lms.leave()
        self.lms.open()
        assert self.lms.launch is not None
        self.lms.lrs.wait_for_verb("initialized", self.lms.launch.number)

    def frame(self) -> Frame:
        return self.lms.page.main_frame

    def page_errors(self) -> list[str]:
        return self.lms.page_errors

    def quiz_state(self, key: str) -> Any:
        assert self.lms.launch is not None
        state = self.lms.lrs.state(self.STATE_ID, self.lms.launch) or {}
        data = json.loads(state.get("suspendData") or "{}")
        return data.get("q", {}).get(key)


# ---------------------------------------------------------------------------- the journey


@dataclass
class Journey:
    shipped: Shipped
    player: Player
    plan: Plan
    on_pending: Callable[[], None]
    """Asserts that the LMS holds no score and no verdict yet."""
    on_first_verdict: Callable[[CourseOutcome], None] = lambda outcome: None
    """Asserts what the LMS holds after a failed first exam (plans with ``retry``)."""
    answered: int = 0
    last_lesson: str = ""
    page: Frame | None = None

    def run(self) -> None:
        course = self.shipped.course
        self.player.open()
        page = self.player.lesson(course.lessons[0].id)
        self.last_lesson = course.lessons[0].id
        keys = quiz_keys(course)
        taken: set[str] = set()
        for index, lesson in enumerate(course.lessons):
            quizzes = graded_quizzes_of(course, lesson.id)
            if index and not self.plan.walk and not quizzes:
                continue
            if index:
                page = (
                    self.player.next(page, lesson.id)
                    if self.plan.walk
                    else self.player.go_to(page, lesson.id)
                )
                self.last_lesson = lesson.id
            expect(page.locator("h1")).to_have_text(lesson.title)
            for quiz in quizzes:
                right = self.plan.right(self.shipped, quiz.id)
                if quiz.id in self.shipped.exam_ids and self.plan.retry:
                    self.fail_first_attempt(page, quiz)
                if quiz.id in self.shipped.exam_ids and self.plan.resume:
                    page = self.take_with_a_break(page, quiz, keys[quiz.id], right)
                else:
                    self.answered += len(take_quiz(page, quiz, right=right))
                taken.add(quiz.id)
                if not set(self.shipped.counted) <= taken:
                    self.expect_pending(page, quiz, taken)
        self.page = page
        assert self.player.page_errors() == []

    def fail_first_attempt(self, page: Frame, quiz: Quiz) -> None:
        """Every question wrong: the result is final, and failed, everywhere; then retry."""
        assert quiz.attempts is None or quiz.attempts >= 2, f"{quiz.id} allows one attempt"
        self.answered += len(take_quiz(page, quiz, right=False))
        right = {
            q: q not in self.shipped.exam_ids and self.plan.modules_right
            for q in self.shipped.counted
        }
        first = expected_outcome(self.shipped.policy, right)
        assert not first.passed, "a failed exam must fail the course"
        self.expect_course_line(page, first)
        expect(page.locator(".certificate")).to_be_hidden()
        self.on_first_verdict(first)
        page.locator(f'[data-quiz="{quiz.id}"] .retry-quiz').click()

    def take_with_a_break(self, page: Frame, quiz: Quiz, key: str, right: bool) -> Frame:
        """Answer half the exam, close the course, come back, and finish it."""
        questions = drawn_questions(page, quiz)
        half = questions[: max(1, len(questions) // 2)]
        for question in half:
            answer(page, quiz, question, right=right)
        self.wait_until_saved(key, len(half))
        self.player.reopen()
        page = self.player.lesson(quiz.lesson_id)
        section = page.locator(f'[data-quiz="{quiz.id}"]')
        expect(section.locator(".quiz-result")).to_have_text(self.shipped.words(RESUMED))
        assert drawn_questions(page, quiz) == questions  # the same draw, not a new one
        for question in questions[len(half) :]:
            answer(page, quiz, question, right=right)
        submit(page, quiz)
        self.answered += len(questions)
        return page

    def wait_until_saved(self, key: str, count: int) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            state = self.player.quiz_state(key)
            if state and sum(1 for answer in state[3] if answer) >= count:
                return
            time.sleep(0.1)
        raise AssertionError(f"answers of quiz {key} were not saved: {self.player.quiz_state(key)}")

    def expect_pending(self, page: Frame, quiz: Quiz, taken: set[str]) -> None:
        counted = self.shipped.counted
        line = page.locator(f'[data-quiz="{quiz.id}"] .course-result')
        if quiz.id in counted:
            done = len([quiz_id for quiz_id in counted if quiz_id in taken])
            expect(line).to_contain_text(
                self.shipped.words(
                    "Graded quizzes taken: {taken} of {count}. Your course score is recorded "
                    "once you have taken them all.",
                    taken=done,
                    count=len(counted),
                )
            )
        for certificate in page.locator(".certificate").all():
            expect(certificate).to_be_hidden()
        self.on_pending()

    def expect_course_line(self, page: Frame, expected: CourseOutcome) -> None:
        percent = js_number(expected.percent)
        line = page.locator(".course-result:not([hidden])").last
        if expected.passed:
            expect(line).to_have_text(
                self.shipped.words(
                    "Course score: {percent}%%. You have passed the course.", percent=percent
                )
            )
        else:
            expect(line).to_have_text(
                self.shipped.words(
                    "Course score: {percent}%%. You need {mastery}%% to pass the course.",
                    percent=percent,
                    mastery=self.shipped.policy.mastery,
                )
            )

    def expect_final_page(self, expected: CourseOutcome) -> None:
        """The course result and the certificate, on the page of the last counted quiz."""
        assert self.page is not None
        last = [
            q.lesson_id for q in self.shipped.course.graded_quizzes if q.id in self.shipped.counted
        ]
        page = self.page
        if last and self.last_lesson != last[-1]:
            page = self.player.go_to(page, last[-1])
            self.last_lesson = last[-1]
        self.expect_course_line(page, expected)
        percent = js_number(expected.percent)
        certificate = page.locator(".certificate")
        if certificate.count():
            if expected.passed:
                expect(certificate).to_be_visible()
                expect(certificate.locator('[data-field="score"]')).to_have_text(f"{percent}%")
            else:
                expect(certificate).to_be_hidden()


def journeys_of(formats: list[str], plans: list[Plan]) -> list[Any]:
    return [pytest.param(fmt, plan, id=f"{fmt}-{plan.name}") for fmt in formats for plan in plans]


# ---------------------------------------------------------------------------- SCORM 1.2


def manifest_value(package: Path, path: str) -> str | None:
    with zipfile.ZipFile(package) as archive:
        root = ElementTree.fromstring(archive.read("imsmanifest.xml"))
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == path and element.text:
            return element.text.strip()
    return None


@pytest.fixture
def context_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("plan", [FAIL_THEN_PASS, EXAM_HIGH, FAIL], ids=lambda plan: plan.name)
def test_scorm12(shipped: Shipped, context_page: Page, plan: Plan) -> None:
    scorm12_journey(shipped, context_page, plan)


def test_scorm12_in_urdu(shipped_in_urdu: Shipped, context_page: Page) -> None:
    """The Urdu course is taken as the English one: the same marks, the same record."""
    scorm12_journey(shipped_in_urdu, context_page, EXAM_HIGH)


def scorm12_journey(shipped: Shipped, context_page: Page, plan: Plan) -> None:
    package = shipped.packages["scorm12"]
    mastery = manifest_value(package, "masteryscore")
    assert mastery == str(shipped.policy.mastery)
    # Moodle passes adlcp:masteryscore on and, with masteryoverride (its default),
    # rewrites lesson_status from score.raw at LMSFinish: scorm-again does the same.
    with Lms12(context_page, mastery_score=mastery) as lms:
        player = ScormPlayer(lms, package)

        def pending() -> None:
            assert lms.get("cmi.core.lesson_status") == "incomplete"
            assert lms.get("cmi.core.score.raw") == ""

        def first_verdict(first: CourseOutcome) -> None:
            assert lms.get("cmi.core.lesson_status") == "failed"
            assert lms.get("cmi.core.score.raw") == js_number(first.percent)

        journey = Journey(shipped, player, plan, pending, first_verdict)
        journey.run()
        expected = outcome(shipped, plan)
        journey.expect_final_page(expected)
        status = "passed" if expected.passed else "failed"
        score = js_number(expected.percent)
        assert lms.get("cmi.core.lesson_status") == status
        assert lms.get("cmi.core.score.raw") == score
        assert (lms.get("cmi.core.score.min"), lms.get("cmi.core.score.max")) == ("0", "100")
        assert lms.get("cmi.core.lesson_location") == journey.last_lesson
        assert int(lms.get("cmi.interactions._count")) == journey.answered
        saved = lms.get("cmi.suspend_data")
        assert len(saved) <= min(
            SUSPEND_DATA_LIMITS["scorm12"], worst_case_state_size(shipped.course)
        )
        # Closing the course: the LMS's own mastery rule must agree with the course.
        lms.reload()
        lms.wait_initialized()
        assert lms.get("cmi.core.lesson_status") == status
        assert lms.get("cmi.core.score.raw") == score
        finished = lms.history()[-2]
        exits = [call.value for call in finished if call.element == "cmi.core.exit"]
        all_seen = plan.walk
        assert exits[-1] == ("" if all_seen else "suspend")
        assert any(call.method == "LMSFinish" and call.result == "true" for call in finished)
        session_times = [call.value for call in finished if call.element == "cmi.core.session_time"]
        assert session_times and session_times[-1]
        assert lms.external_requests() == []
        assert lms.page_errors == []


# ---------------------------------------------------------------------------- SCORM 2004


# The fullest journey in each format; the other mixes run in SCORM 1.2, whose record
# Moodle grades on (one fewer journey per course and format keeps the suite's time).
@pytest.mark.parametrize("plan", [FAIL_THEN_PASS], ids=lambda plan: plan.name)
def test_scorm2004(shipped: Shipped, context_page: Page, plan: Plan) -> None:
    package = shipped.packages["scorm2004"]
    passing = manifest_value(package, "minNormalizedMeasure")
    assert passing is not None and float(passing) == shipped.policy.mastery / 100
    with Lms2004(context_page, scaled_passing_score=passing) as lms:
        player = ScormPlayer(lms, package)

        def pending() -> None:
            assert lms.get("cmi.success_status") == "unknown"
            assert lms.get("cmi.score.scaled") == ""
            assert lms.get("cmi.completion_status") == "incomplete"

        def first_verdict(first: CourseOutcome) -> None:
            assert lms.get("cmi.success_status") == "failed"
            assert float(lms.get("cmi.score.scaled")) == pytest.approx(first.percent / 100)

        journey = Journey(shipped, player, plan, pending, first_verdict)
        journey.run()
        expected = outcome(shipped, plan)
        journey.expect_final_page(expected)
        status = "passed" if expected.passed else "failed"
        assert lms.get("cmi.success_status") == status
        assert float(lms.get("cmi.score.scaled")) == pytest.approx(expected.percent / 100)
        assert lms.get("cmi.score.raw") == js_number(expected.percent)
        assert lms.get("cmi.completion_status") == ("completed" if plan.walk else "incomplete")
        assert lms.get("cmi.location") == journey.last_lesson
        assert int(lms.get("cmi.interactions._count")) == journey.answered
        lms.reload()
        lms.wait_initialized()
        # scorm-again, like an LMS, judges success from scaled_passing_score at Terminate.
        assert lms.get("cmi.success_status") == status
        errors = [c for c in lms.log() if c.method == "SetValue" and c.error not in ("", "0")]
        assert errors == []
        assert lms.page_errors == []


# ---------------------------------------------------------------------------- cmi5


# The fullest journey in each format; the other mixes run in SCORM 1.2, whose record
# Moodle grades on (one fewer journey per course and format keeps the suite's time).
@pytest.mark.parametrize("plan", [FAIL_THEN_PASS], ids=lambda plan: plan.name)
def test_cmi5(shipped: Shipped, context_page: Page, tmp_path: Path, plan: Plan) -> None:
    with Lrs(tmp_path / "site") as lrs:
        lms = Cmi5Lms(context_page, lrs)
        player = Cmi5Player(lms, shipped.packages["cmi5"])

        def pending() -> None:
            assert not {"passed", "failed"} & set(lrs.verbs())

        def first_verdict(first: CourseOutcome) -> None:
            assert lms.launch is not None
            failed = lrs.wait_for_verb("failed", lms.launch.number)
            assert failed["result"]["score"]["raw"] == pytest.approx(first.percent)

        journey = Journey(shipped, player, plan, pending, first_verdict)
        journey.run()
        expected = outcome(shipped, plan)
        journey.expect_final_page(expected)
        assert lms.launch is not None
        verdict = "passed" if expected.passed else "failed"
        statement = lrs.wait_for_verb(verdict, lms.launch.number)
        assert statement["result"]["success"] is expected.passed
        assert statement["result"]["score"]["raw"] == pytest.approx(expected.percent)
        assert statement["result"]["score"]["scaled"] == pytest.approx(expected.percent / 100)
        verdicts = [verb for verb in lrs.verbs() if verb in ("passed", "failed")]
        # cmi5 §9.3: "failed" may come before "passed", never after it; each once here.
        assert verdicts == (["failed", "passed"] if plan.retry else [verdict])
        if plan.walk:
            # Once per registration (cmi5 §9.3.3): here in the session that saw the last lesson.
            lrs.wait_until(lambda: lrs.verbs().count("completed") == 1, "one completed statement")
        lms.leave()
        assert lms.page_errors == []
        assert lms.external_requests() == []


# ---------------------------------------------------------------------------- website


# The fullest journey in each format; the other mixes run in SCORM 1.2, whose record
# Moodle grades on (one fewer journey per course and format keeps the suite's time).
@pytest.mark.parametrize("plan", [FAIL_THEN_PASS], ids=lambda plan: plan.name)
def test_website(shipped: Shipped, context_page: Page, plan: Plan) -> None:
    player = WebsitePlayer(context_page, shipped.packages["website"], shipped.course)
    requests: list[str] = []
    context_page.on("request", lambda request: requests.append(request.url))
    journey = Journey(shipped, player, plan, lambda: None)
    journey.run()
    journey.expect_final_page(outcome(shipped, plan))
    assert all(url.startswith(("file://", "data:")) for url in requests), requests
    assert player.errors == []


def test_website_served_over_http_too(shipped: Shipped, context_page: Page) -> None:
    """A campus may put the website on a plain web server: the exam works there too."""
    folder = shipped.packages["website"]
    errors: list[str] = []
    context_page.on("pageerror", lambda error: errors.append(str(error)))
    exam = next(quiz for quiz in shipped.course.graded_quizzes if quiz.id in shipped.exam_ids)
    lesson = next(lesson for lesson in shipped.course.lessons if lesson.id == exam.lesson_id)
    with serve_directory(folder) as base:
        context_page.goto(f"{base}/{lesson.output_path}")
        take_quiz(context_page.main_frame, exam, right=True)
        expect(context_page.locator(f'[data-quiz="{exam.id}"] .quiz-result')).to_contain_text(
            "You scored"
        )
    assert "?" not in context_page.url  # Submit never reloads the page with answers in the URL
    assert errors == []


# ---------------------------------------------------------------------------- upgrades

RELEASE_0_1_0_STATE = {
    "location": "certification/final-exam",
    "suspend_data": (
        '{"v":2,"seen":"2rfay.5ck3g.e3qes.ke2tb.q2zka.6acaq",'
        '"q":{"k3kxx":[0,-1,"0.1.2.3.4.5.6.7.8.9.10.11",'
        '["a","a","","","","","","","","","","","","","","","","","",""],0]}}'
    ),
}
"""What release 0.1.0's runtime saved in SCORM 1.2 for blockchain-foundations: five
lessons and the exam seen, the exam drawn and two questions answered (the literal keys
are pinned in tests/unit/test_progress_keys.py)."""


def test_resumes_a_state_saved_by_the_previous_release(context_page: Page, tmp_path: Path) -> None:
    course_dir = REPO_ROOT / "courses" / "blockchain-foundations"
    course = load_course(course_dir, Reporter())
    assert course is not None
    with Lms12(context_page, mastery_score="70") as lms:
        package = build([course_dir], tmp_path, ["scorm12"]).packages[0].path
        lms.open(package)
        lms.wait_initialized()
        # The learner's record as the LMS kept it from the earlier version's session.
        lms.page.goto("about:blank")
        lms.page.goto(f"{lms.base_url}/lms/")  # the LMS's origin, with no course open
        lms.page.evaluate(
            """([key, state]) => localStorage.setItem('sabaq-lms12:' + key + ':state', JSON.stringify({
                   total_time: '00:20:00',
                   cmi: {core: {lesson_location: state.location, lesson_status: 'incomplete',
                                exit: 'suspend', score: {raw: '', min: '', max: ''}},
                         suspend_data: state.suspend_data}}))""",
            [lms.key, RELEASE_0_1_0_STATE],
        )
        sco = lms.open(package, new_attempt=False)
        exam = lesson_frame(sco, "certification/final-exam")
        expect(exam.locator(".outline a.is-seen")).to_have_count(6)
        quiz = next(quiz for quiz in course.graded_quizzes if quiz.id == "final-exam")
        expect(exam.locator('[data-quiz="final-exam"] .quiz-result')).to_have_text(RESUMED)
        assert [q.id for q in drawn_questions(exam, quiz)] == [q.id for q in quiz.questions[:12]]
        first, second = quiz.questions[:2]
        for question in (first, second):
            expect(
                exam.locator(f'fieldset[data-question="{question.id}"] input[value="a"]')
            ).to_be_checked()
        assert lms.get("cmi.core.lesson_status") == "incomplete"
        assert lms.get("cmi.core.score.raw") == ""
        assert lms.page_errors == []
