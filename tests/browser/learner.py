"""A learner who takes a real course in Chromium, answering from the course's own key.

The learner reads the course model (:func:`builder.sources.load_course`) for the right
answers and answers each question the page draws either right (full points) or
wrong (no points), through the page's own controls: radio buttons, check boxes, text
boxes, menus and the ordering buttons. Whether a question is right or wrong is all a
test needs to know the score it must see, so the acceptance tests can predict every
value the LMS records without a second scorer.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Frame, expect

from builder.assessment import Question, QuestionKind, Quiz
from builder.grading import GradingPolicy
from builder.model import Course


@dataclass(frozen=True)
class CourseOutcome:
    """What the course must show and the LMS must record after every counted quiz."""

    percent: float
    passed: bool


def expected_outcome(policy: GradingPolicy, right: dict[str, bool]) -> CourseOutcome:
    """The course result when each counted quiz (by id) was answered all right or all wrong.

    The rule of docs/quizzes.md "The course result", for whole quizzes: the weighted
    share of quizzes answered right, capped by the exam when it must be passed.
    """
    total = sum(quiz.weight for quiz in policy.quizzes)
    score = sum(quiz.weight for quiz in policy.quizzes if right[quiz.id]) / total
    if policy.exam_required:
        exam = [right[quiz.id] for quiz in policy.quizzes if quiz.exam]
        score = min(score, 1.0 if all(exam) else 0.0)
    percent = round(score * 10000) / 100
    return CourseOutcome(percent=percent, passed=percent >= policy.mastery)


def question_selector(quiz: Quiz, question: Question) -> str:
    return f'[data-quiz="{quiz.id}"] fieldset[data-question="{question.id}"]'


def drawn_questions(page: Frame, quiz: Quiz) -> list[Question]:
    """The questions of ``quiz`` this attempt shows (all of them, or the pool's draw)."""
    # The runtime marks every question focusable once it has drawn the attempt; until
    # then the page shows all of them, as it does without script.
    expect(
        page.locator(f'[data-quiz="{quiz.id}"] fieldset.question:not([tabindex])')
    ).to_have_count(0)
    shown = page.locator(f'[data-quiz="{quiz.id}"] fieldset.question:not([hidden])').evaluate_all(
        "sets => sets.map(set => set.dataset.question)"
    )
    by_id = {question.id: question for question in quiz.questions}
    assert len(shown) == quiz.drawn, f"{quiz.id}: {len(shown)} questions shown, {quiz.drawn} drawn"
    return [by_id[question_id] for question_id in shown]


def answer(page: Frame, quiz: Quiz, question: Question, *, right: bool) -> None:
    """Answer one question through the page's controls: all right, or worth nothing."""
    box = page.locator(question_selector(quiz, question))
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE, QuestionKind.MULTIPLE):
        for choice_id in _choices(question, right=right):
            box.locator(f'input[value="{choice_id}"]').check()
    elif kind is QuestionKind.SHORT:
        box.locator("input[type=text]").fill(question.answers[0] if right else "no such answer")
    elif kind is QuestionKind.NUMERIC:
        box.locator("input[type=text]").fill(_number(question, right=right))
    elif kind is QuestionKind.MATCHING:
        for pair_id, target_id in _matches(question, right=right).items():
            box.locator(f'select[data-pair="{pair_id}"]').select_option(target_id)
    else:
        order = [item.id for item in question.items]
        _arrange(page, quiz, question, order if right else order[::-1])


def _choices(question: Question, *, right: bool) -> list[str]:
    correct = [choice.id for choice in question.choices if choice.correct]
    wrong = [choice.id for choice in question.choices if not choice.correct]
    if right:
        return correct
    assert wrong, f"question {question.id} has no wrong choice to pick"
    # Every wrong choice of a multiple-response question, so it earns nothing.
    return wrong if question.kind is QuestionKind.MULTIPLE else wrong[:1]


def _number(question: Question, *, right: bool) -> str:
    if right:
        return f"{question.numbers[0].value:.15g}"
    outside = max(answer.high for answer in question.numbers) + 1000
    return f"{outside:.15g}"


def _matches(question: Question, *, right: bool) -> dict[str, str]:
    if right:
        return {pair.id: pair.target_id for pair in question.pairs}
    targets = [target.id for target in question.targets]
    matches = {}
    for pair in question.pairs:
        others = [target for target in targets if target != pair.target_id]
        assert others, f"question {question.id} has no wrong match for pair {pair.id}"
        matches[pair.id] = others[0]
    return matches


def _arrange(page: Frame, quiz: Quiz, question: Question, order: list[str]) -> None:
    """Put an ordering question's items in ``order`` with its Move up buttons."""
    box = page.locator(question_selector(quiz, question))
    for position, item_id in enumerate(order):
        while True:
            items = box.locator(".ordering li").evaluate_all(
                "items => items.map(item => item.dataset.item)"
            )
            if items.index(item_id) <= position:
                break
            box.locator(f'li[data-item="{item_id}"] .move-up').click()


def submit(page: Frame, quiz: Quiz) -> None:
    page.locator(f'[data-quiz="{quiz.id}"] .submit-quiz').click()
    expect(page.locator(f'[data-quiz="{quiz.id}"] .quiz-result')).not_to_be_empty()


def take_quiz(page: Frame, quiz: Quiz, *, right: bool) -> list[Question]:
    """Answer every drawn question of ``quiz`` and submit; return the questions answered."""
    questions = drawn_questions(page, quiz)
    for question in questions:
        answer(page, quiz, question, right=right)
    submit(page, quiz)
    return questions


def graded_quizzes_of(course: Course, lesson_id: str) -> list[Quiz]:
    return [quiz for quiz in course.quizzes if quiz.lesson_id == lesson_id and quiz.kind.graded]
