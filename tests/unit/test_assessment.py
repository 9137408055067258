"""Quizzes in lesson Markdown: the syntax of every kind and every authoring error.

How answers are marked is tested against the runtime that marks them: tests/js/test_scoring.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.assessment import (
    PLACEHOLDER,
    RENDER_HOOK,
    AssessmentRef,
    Choice,
    LessonQuizzes,
    MarkdownText,
    MatchPair,
    MatchTarget,
    NumericAnswer,
    OrderItem,
    Question,
    QuestionKind,
    Quiz,
    QuizKind,
    assessment_at,
    check_unique_ids,
    extract_quizzes,
    max_points,
    parse_quizzes,
    quiz_markdown,
)
from builder.errors import Location, Reporter
from builder.markdown import make_markdown
from builder.model import Lesson
from builder.sources import load_course
from tests.support import REPO, copy_root

LESSON = "01-consensus/02-proof-of-work.md"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Diagnostics show paths relative to the working directory, as authors see them.
    monkeypatch.chdir(tmp_path)


def make_lesson(body: str, relpath: str = LESSON, lesson_id: str = "consensus/pow") -> Lesson:
    return Lesson(
        id=lesson_id,
        title="Proof of work",
        path=Path.cwd() / relpath,
        relpath=relpath,
        body=body,
        body_line=1,
    )


def parse(body: str) -> tuple[LessonQuizzes, list[str]]:
    reporter = Reporter()
    result = parse_quizzes(make_lesson(body), reporter)
    return result, [d.format() for d in reporter.diagnostics]


def parse_ok(body: str) -> tuple[Quiz, ...]:
    result, problems = parse(body)
    assert problems == []
    return result.quizzes


def only_question(body: str) -> Question:
    (quiz,) = parse_ok(body)
    (question,) = quiz.questions
    return question


def at(line: int, relpath: str = LESSON) -> Location:
    return Location(Path.cwd() / relpath, line)


def text(source: str, line: int) -> MarkdownText:
    return MarkdownText(source, at(line))


# --------------------------------------------------------------------------- every kind


def test_single_choice_with_feedback_hints_and_options() -> None:
    question = only_question(
        "::: question single id=pow-cost points=2 shuffle\n"  # 1
        "What does proof of work make **expensive**?\n"  # 2
        "\n"
        "- [ ] Sending a transaction\n"  # 4
        "  > Sending is cheap; anyone can broadcast one.\n"
        "- [x] Rewriting past blocks\n"  # 6
        "  > Right: an attacker must redo the work\n"
        "  > of every later block.\n"
        "\n"
        "Hint: Think about what miners compete for.\n"  # 10
        "Hint: Work is spent once per block.\n"
        "Correct: Well done.\n"
        "Incorrect: Not quite.\n"
        "Explanation: Each block commits to the one before it.\n"  # 14
        ":::\n"
    )
    assert question == Question(
        id="pow-cost",
        kind=QuestionKind.SINGLE,
        prompt=text("What does proof of work make **expensive**?", 2),
        location=at(1),
        points=2.0,
        choices=(
            Choice(
                "a",
                text("Sending a transaction", 4),
                correct=False,
                feedback=text("Sending is cheap; anyone can broadcast one.", 5),
            ),
            Choice(
                "b",
                text("Rewriting past blocks", 6),
                correct=True,
                feedback=text("Right: an attacker must redo the work\nof every later block.", 7),
            ),
        ),
        shuffle=True,
        hints=(
            text("Think about what miners compete for.", 10),
            text("Work is spent once per block.", 11),
        ),
        correct_feedback=text("Well done.", 12),
        incorrect_feedback=text("Not quite.", 13),
        explanation=text("Each block commits to the one before it.", 14),
    )
    assert question.correct_choices == (question.choices[1],)


def test_multiple_response_without_partial_credit() -> None:
    question = only_question(
        "::: question multiple partial=no\n"
        "Which are hash functions?\n"
        "\n"
        "- [x] SHA-256\n"
        "- [x] Keccak-256\n"
        "- [ ] ECDSA\n"
        ":::\n"
    )
    assert question.kind is QuestionKind.MULTIPLE
    assert [(c.id, c.text.source, c.correct) for c in question.choices] == [
        ("a", "SHA-256", True),
        ("b", "Keccak-256", True),
        ("c", "ECDSA", False),
    ]
    assert question.partial_credit is False
    assert question.shuffle is False


def test_true_false_has_the_ids_lms_imports_require() -> None:
    question = only_question(
        "::: question true-false\n"
        "A block is found about every ten minutes.\n"
        "\n"
        "- [ ] False\n"
        "  > The difficulty keeps it near ten minutes.\n"
        "- [x] True\n"
        ":::\n"
    )
    assert question.kind is QuestionKind.TRUE_FALSE
    assert [(c.id, c.correct) for c in question.choices] == [("false", False), ("true", True)]
    assert question.choices[0].feedback == text("The difficulty keeps it near ten minutes.", 5)


def test_short_answer_right_under_its_prompt() -> None:
    question = only_question(
        "::: question short case-sensitive\n"
        "Which hash function does Bitcoin's proof of work use?\n"
        "Answer: SHA-256\n"
        "Answer: SHA256\n"
        "Answer: SHA-256\n"
        ":::\n"
    )
    assert question.prompt == text("Which hash function does Bitcoin's proof of work use?", 2)
    assert question.answers == ("SHA-256", "SHA256")
    assert question.case_sensitive is True


def test_numeric_values_tolerances_and_ranges() -> None:
    question = only_question(
        "::: question numeric\n"
        "How many bitcoins will ever exist?\n"
        "\n"
        "Answer: 21000000\n"
        "Answer: 3.14 ± 0.01\n"
        "Answer: 100 +- 5%\n"
        "Answer: 3.1 to 3.2\n"
        "Answer: \u22122..\u22121\n"
        ":::\n"
    )
    assert question.numbers == (
        NumericAnswer(21000000.0, 0.0, 21000000.0, 21000000.0, "21000000"),
        NumericAnswer(3.14, 0.01, 3.13, 3.15, "3.14 ± 0.01"),
        NumericAnswer(100.0, 5.0, 95.0, 105.0, "100 +- 5%"),
        NumericAnswer(3.15, 0.05, 3.1, 3.2, "3.1 to 3.2"),
        NumericAnswer(-1.5, 0.5, -2.0, -1.0, "\u22122..\u22121"),
    )


def test_matching_pairs_shared_targets_and_distractors() -> None:
    question = only_question(
        "::: question matching partial=no\n"  # 1
        "Match each consensus rule to its chain.\n"
        "\n"
        "- Bitcoin -> Proof of work\n"  # 4
        "- Litecoin -> Proof of work\n"
        "- Ethereum today → Proof of stake\n"
        "- C pointer syntax -> `p->next`\n"
        "\n"
        "Distractor: Proof of authority\n"  # 9
        ":::\n"
    )
    assert question.pairs == (
        MatchPair("1", text("Bitcoin", 4), "a"),
        MatchPair("2", text("Litecoin", 5), "a"),
        MatchPair("3", text("Ethereum today", 6), "b"),
        MatchPair("4", text("C pointer syntax", 7), "c"),
    )
    assert question.targets == (
        MatchTarget("a", text("Proof of work", 4)),
        MatchTarget("b", text("Proof of stake", 6)),
        MatchTarget("c", text("`p->next`", 7)),
        MatchTarget("d", text("Proof of authority", 9), distractor=True),
    )
    assert question.partial_credit is False


def test_ordering_items_follow_a_list_in_the_prompt() -> None:
    question = only_question(
        "::: question ordering\n"
        "A miner works with:\n"
        "\n"
        "- transactions\n"
        "- a nonce\n"
        "\n"
        "Put the steps in order.\n"
        "\n"
        "1. Collect transactions\n"  # 9
        "2. Build the Merkle root\n"
        "3. Find a nonce\n"
        ":::\n"
    )
    assert question.prompt.source == (
        "A miner works with:\n\n- transactions\n- a nonce\n\nPut the steps in order."
    )
    assert question.items == (
        OrderItem("a", text("Collect transactions", 9)),
        OrderItem("b", text("Build the Merkle root", 10)),
        OrderItem("c", text("Find a nonce", 11)),
    )


def test_choices_and_prompts_keep_their_markdown() -> None:
    question = only_question(
        "::: question single\n"
        "What does this print?\n"
        "\n"
        "```text\n"
        ":::\n"
        "::: question single\n"
        "```\n"
        "\n"
        "- [x] A choice with code:\n"
        "\n"
        "  ```python\n"
        "  print(1)\n"
        "  ```\n"
        "  > Feedback with a [link](https://example.org).\n"
        "- [ ] `a -> b`\n"
        ":::\n"
    )
    assert (
        question.prompt.source == "What does this print?\n\n```text\n:::\n::: question single\n```"
    )
    assert question.choices[0].text == text("A choice with code:\n\n```python\nprint(1)\n```", 9)
    assert question.choices[0].feedback == text("Feedback with a [link](https://example.org).", 14)
    assert question.choices[1].text.source == "`a -> b`"


def test_labels_written_right_under_a_list_belong_to_the_question() -> None:
    question = only_question(
        "::: question single\n"
        "Q\n"
        "\n"
        "- [ ] a\n"
        "  > Not a.\n"
        "Hint: think\n"
        "- [x] b\n"
        "Correct: Yes,\n"
        "it is b.\n"
        ":::\n"
    )
    assert [c.text.source for c in question.choices] == ["a", "b"]
    assert question.choices[0].feedback == text("Not a.", 5)
    assert question.hints == (text("think", 6),)
    assert question.correct_feedback == text("Yes,\nit is b.", 8)


def test_each_line_of_a_text_stays_on_its_line_of_the_file() -> None:
    # The renderer reports a broken link in a prompt at its line, counted from here.
    question = only_question(
        "::: question single\n"
        "First paragraph.\n"  # 2
        "Hint: a hint between two paragraphs of the question\n"
        "\n"
        "Second paragraph, with a [link](missing.md).\n"  # 5
        "\n"
        "- [x] a\n"
        "- [ ] b\n"
        ":::\n"
    )
    assert question.prompt == text(
        "First paragraph.\n\n\nSecond paragraph, with a [link](missing.md).", 2
    )
    assert question.prompt.source.split("\n")[5 - 2].startswith("Second paragraph")
    assert question.hints == (text("a hint between two paragraphs of the question", 3),)


def test_a_label_alone_on_its_line_takes_the_lines_below() -> None:
    question = only_question(
        "::: question short\nQ\n\nAnswer: x\nExplanation:\nThe text starts here\nand goes on.\n:::\n"
    )
    assert question.explanation == text("The text starts here\nand goes on.", 6)


# --------------------------------------------------------------------------- quizzes


def test_questions_outside_quizzes_form_the_lessons_knowledge_check() -> None:
    result, problems = parse(
        "## Hashes\n"
        "\n"
        "::: question short\n"  # 3
        "Name one hash function.\n"
        "\n"
        "Answer: SHA-256\n"
        ":::\n"
        "\n"
        "Between the questions.\n"
        "\n"
        "::: question true-false id=sha-fixed\n"  # 11
        "SHA-256 output has a fixed size.\n"
        "\n"
        "- [x] True\n"
        "- [ ] False\n"
        ":::\n"
    )
    assert problems == []
    (check,) = result.quizzes
    assert (check.id, check.kind, check.lesson_id, check.location) == (
        "consensus/pow/check",
        QuizKind.CHECK,
        "consensus/pow",
        at(3),
    )
    assert [q.id for q in check.questions] == ["consensus/pow/q1", "sha-fixed"]
    assert check.reveal is True and check.pool is None and check.attempts is None
    kinds = [token.type for token in result.tokens]
    assert kinds == [
        "heading_open",
        "inline",
        "heading_close",
        PLACEHOLDER,
        "paragraph_open",
        "inline",
        "paragraph_close",
        PLACEHOLDER,
    ]
    refs = [assessment_at(token) for token in result.tokens if token.type == PLACEHOLDER]
    assert refs == [
        AssessmentRef(check, check.questions[0]),
        AssessmentRef(check, check.questions[1]),
    ]
    assert result.tokens[3].map == [2, 7]


def test_a_graded_quiz_with_every_option() -> None:
    (quiz,) = parse_ok(
        '::: quiz graded id=consensus-quiz title="Consensus quiz" pool=1 attempts=2 '
        "reveal=no pass=70% shuffle\n"
        "Answer **both** questions.\n"
        "\n"
        "::: question short points=2\n"  # 4
        "Name one hash function.\n"
        "\n"
        "Answer: SHA-256\n"
        ":::\n"
        "\n"
        "::: question numeric points=2\n"  # 10
        "How many bitcoins will exist?\n"
        "\n"
        "Answer: 21000000\n"
        ":::\n"
        ":::\n"
    )
    assert quiz == Quiz(
        id="consensus-quiz",
        kind=QuizKind.GRADED,
        lesson_id="consensus/pow",
        questions=quiz.questions,
        location=at(1),
        title="Consensus quiz",
        intro=text("Answer **both** questions.", 2),
        pool=1,
        attempts=2,
        reveal=False,
        pass_mark=70,
        shuffle=True,
    )
    assert [(q.id, q.location) for q in quiz.questions] == [
        ("consensus/pow/q1", at(4)),
        ("consensus/pow/q2", at(10)),
    ]
    assert (quiz.drawn, quiz.max_points) == (1, 2.0)


def test_quiz_defaults_and_ids_by_position() -> None:
    result, problems = parse(
        "::: question short\nQ\n\nAnswer: x\n:::\n\n"
        "::: quiz\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n\n"
        "::: quiz exam attempts=unlimited\n"
        "::: question short points=3\nQ\n\nAnswer: x\n:::\n"
        "::: question short\nQ\n\nAnswer: x\n:::\n"
        ":::\n"
    )
    assert problems == []
    check, graded, exam = result.quizzes
    assert [quiz.id for quiz in result.quizzes] == [
        "consensus/pow/check",
        "consensus/pow/quiz",
        "consensus/pow/quiz-2",
    ]
    assert (graded.kind, graded.reveal, graded.title, graded.intro) == (
        QuizKind.GRADED,
        True,
        "",
        None,
    )
    assert (exam.kind, exam.reveal, exam.attempts, exam.pass_mark) == (
        QuizKind.EXAM,
        False,  # an exam keeps its answers unless the author reveals them
        None,
        None,
    )
    assert [q.id for q in exam.questions] == ["consensus/pow/q3", "consensus/pow/q4"]
    assert (exam.drawn, exam.max_points, max_points(exam.questions)) == (2, 4.0, 4.0)
    assert QuizKind.EXAM.graded and not QuizKind.CHECK.graded
    assert check.questions[0].id == "consensus/pow/q1"


def test_lines_count_from_the_top_of_the_file(tmp_path: Path) -> None:
    course_dir = copy_root("minimal", tmp_path)
    lesson_file = course_dir / "02-more" / "01-last.md"
    lesson_file.write_text(
        "---\ntitle: Last\n---\nIntro.\n\n::: question singel\nQ\n:::\n", encoding="utf-8"
    )
    reporter = Reporter()
    course = load_course(course_dir, reporter)  # loading a course parses its quizzes
    assert course is not None
    lesson = course.lesson_by_relpath("02-more/01-last.md")
    assert lesson is not None
    again = Reporter()
    parse_quizzes(lesson, again)
    assert reporter.diagnostics == again.diagnostics
    assert [d.format() for d in reporter.diagnostics] == [
        "minimal/02-more/01-last.md:6: error: unknown question kind 'singel'\n"
        "  hint: did you mean 'single'?"
    ]


# --------------------------------------------------------------------------- rendering hooks


def test_placeholders_render_as_mount_points_or_through_the_hook() -> None:
    md = quiz_markdown()
    body = (
        "Text.\n\n::: question short id=hash\nQ\n\nAnswer: x\n:::\n\n"
        "::: quiz exam id=final\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n"
    )
    # As a page renders them: loading parses the blocks only (see parse_quizzes).
    result = extract_quizzes(md.parse(body), make_lesson(body), Reporter())
    assert md.renderer.render(result.tokens, md.options, {}) == (
        "<p>Text.</p>\n"
        '<div class="sabaq-quiz" data-quiz="consensus/pow/check" data-question="hash"></div>\n'
        '<div class="sabaq-quiz" data-quiz="final"></div>\n'
    )

    def show(ref: AssessmentRef) -> str:
        return f"<section>{ref.quiz.id}:{ref.question.id if ref.question else '*'}</section>\n"

    html = md.renderer.render(result.tokens, md.options, {RENDER_HOOK: show})
    assert html == (
        "<p>Text.</p>\n<section>consensus/pow/check:hash</section>\n<section>final:*</section>\n"
    )


def test_the_lesson_parser_knows_quiz_blocks() -> None:
    assert quiz_markdown() is make_markdown()
    assert "sabaq_block" in make_markdown().block.ruler.get_all_rules()


# --------------------------------------------------------------------------- authoring errors

P = LESSON


@pytest.mark.parametrize(
    ("body", "line", "message", "hint"),
    [
        pytest.param(
            "::: question singel\nQ\n:::\n",
            1,
            "unknown question kind 'singel'",
            "did you mean 'single'?",
            id="unknown-kind",
        ),
        pytest.param(
            "::: question essay\nQ\n:::\n",
            1,
            "unknown question kind 'essay'",
            "kinds: single, multiple, true-false, short, numeric, matching, ordering",
            id="unknown-kind-no-match",
        ),
        pytest.param(
            "::: question mcq\nQ\n:::\n",
            1,
            "unknown question kind 'mcq'",
            "write 'single' if one choice is right, or 'multiple' if learners pick several",
            id="ambiguous-kind",
        ),
        pytest.param(
            "::: question id=pow-cost\nQ\n:::\n",
            1,
            "the question has no kind",
            "name it after 'question', as in '::: question single'; kinds: single, multiple, true-false, short, numeric, matching, ordering",
            id="no-kind",
        ),
        pytest.param(
            "::: qestion single\nQ\n:::\n",
            1,
            "unknown block '::: qestion'",
            "did you mean '::: question'?",
            id="unknown-block",
        ),
        pytest.param(
            "::: warning\nCareful.\n:::\n",
            1,
            "unknown block '::: warning'",
            "for a callout, write '> [!WARNING]' or '!!! warning'",
            id="callout-block",
        ),
        pytest.param(
            "::: poll\nQ\n:::\n",
            1,
            "unknown block '::: poll'",
            "':::' blocks hold questions ('::: question single') and quizzes ('::: quiz graded')",
            id="unknown-block-other",
        ),
        pytest.param(
            "Text.\n\n::: question short\nQ\n\nAnswer: x\n",
            3,
            "'::: question' is never closed",
            "end the question with a line holding only ':::'",
            id="unclosed-question",
        ),
        pytest.param(
            "::: quiz\n::: question short\nQ\n\nAnswer: x\n:::\n",
            1,
            "'::: quiz' is never closed",
            "end the quiz with a line holding only ':::' (and that every question inside it has its own ':::')",
            id="unclosed-quiz",
        ),
        pytest.param(
            "Text.\n:::\n",
            2,
            "':::' closes nothing",
            "remove this line, or check the line that should open the block: '::: question <kind>' or '::: quiz'",
            id="stray-close",
        ),
        pytest.param(
            "- ::: question short\n  Q\n\n  Answer: x\n  :::\n",
            1,
            "'::: question' cannot be inside a list or a quote",
            "start '::: question' at the beginning of a line, outside lists and quotes",
            id="inside-list",
        ),
        pytest.param(
            "::: quiz\n::: question short\nQ\n\nAnswer: x\n:::\n::: quiz exam\n:::\n:::\n",
            7,
            "a quiz cannot contain another quiz",
            "close the first quiz with ':::' before starting the next",
            id="quiz-in-quiz",
        ),
        pytest.param(
            "::: question short\nQ\n\n::: question short\nR\n:::\n\nAnswer: x\n:::\n",
            4,
            "a question cannot contain another question",
            "close the first question with ':::' before starting the next",
            id="question-in-question",
        ),
        pytest.param(
            "::: question short\nQ\n\n::: quiz\n:::\n\nAnswer: x\n:::\n",
            4,
            "a quiz cannot be inside a question",
            "close the question with ':::' first; a quiz holds questions, not the other way round",
            id="quiz-in-question",
        ),
        pytest.param(
            "::: quiz graded\nIntro only.\n:::\n",
            1,
            "the quiz has no questions",
            "put questions inside it, each from '::: question <kind>' to ':::'",
            id="quiz-no-questions",
        ),
        pytest.param(
            "::: quiz\n::: question short\nQ\n\nAnswer: x\n:::\n\nMore text.\n:::\n",
            8,
            "only questions can follow the first question of a quiz",
            "put text for the whole quiz before its first question, or inside a question",
            id="text-after-first-question",
        ),
        pytest.param(
            "::: quiz pool=3\n::: question short\nQ\n\nAnswer: x\n:::\n::: question short\nR\n\nAnswer: y\n:::\n:::\n",
            1,
            "the quiz draws 3 questions (pool=3) but has only 2",
            "add questions to the quiz, or lower 'pool'",
            id="pool-too-big",
        ),
        pytest.param(
            "::: quiz pool=1\n::: question short points=2\nQ\n\nAnswer: x\n:::\n::: question short\nR\n\nAnswer: y\n:::\n:::\n",
            1,
            "questions drawn from a pool must all be worth the same points (found 1 and 2)",
            "learners draw different questions, so what they can score must not depend on the draw",
            id="pool-unequal",
        ),
        pytest.param(
            "::: question short pionts=2\nQ\n\nAnswer: x\n:::\n",
            1,
            "unknown option 'pionts' for a question",
            "did you mean 'points'?",
            id="unknown-option",
        ),
        pytest.param(
            "::: quiz colour=red\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "unknown option 'colour' for a quiz",
            "options of a quiz: attempts, id, pass, pool, reveal, shuffle, title",
            id="unknown-quiz-option",
        ),
        pytest.param(
            "::: question single case-sensitive\nQ\n\n- [x] a\n- [ ] b\n:::\n",
            1,
            "'case-sensitive' does not apply to single-choice questions",
            "it applies to short-answer questions",
            id="option-not-for-kind",
        ),
        pytest.param(
            "::: quiz check pass=70\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "'pass' does not apply to knowledge checks",
            "it applies to graded quizzes and exams",
            id="pass-on-check",
        ),
        pytest.param(
            "::: question short points=1 points=2\nQ\n\nAnswer: x\n:::\n",
            1,
            "'points' is given twice",
            "keep one of them",
            id="option-twice",
        ),
        pytest.param(
            '::: quiz title="Module 1 quiz\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n',
            1,
            "the quote after 'title=' is never closed",
            'end the value with the same quote: title="Module 1 quiz"',
            id="unclosed-quote",
        ),
        pytest.param(
            "::: question short pow-cost\nQ\n\nAnswer: x\n:::\n",
            1,
            "unexpected word 'pow-cost'",
            "to give the question an id, write id=pow-cost",
            id="stray-word-id",
        ),
        pytest.param(
            "::: question single shufle\nQ\n\n- [x] a\n- [ ] b\n:::\n",
            1,
            "unexpected word 'shufle'",
            "did you mean 'shuffle'?",
            id="stray-word-flag",
        ),
        pytest.param(
            "::: quiz graded title=Module 1\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "unexpected word '1'",
            'options are written name=value (attempts, id, pass, pool, reveal, shuffle, title); put a value with spaces in quotes: title="Module 1 quiz"',
            id="stray-word-unquoted",
        ),
        pytest.param(
            "::: question short points=0\nQ\n\nAnswer: x\n:::\n",
            1,
            "'points' must be a positive number (got '0')",
            "for example: points=2 or points=0.5",
            id="points-zero",
        ),
        pytest.param(
            "::: question short points=two\nQ\n\nAnswer: x\n:::\n",
            1,
            "'points' must be a positive number (got 'two')",
            "for example: points=2 or points=0.5",
            id="points-text",
        ),
        pytest.param(
            "::: question single shuffle=maybe\nQ\n\n- [x] a\n- [ ] b\n:::\n",
            1,
            "'shuffle' must be yes or no (got 'maybe')",
            None,
            id="yes-no",
        ),
        pytest.param(
            "::: question short id=Pow_Cost\nQ\n\nAnswer: x\n:::\n",
            1,
            "'id' must be lowercase letters, digits and hyphens, starting with a letter (got 'Pow_Cost')",
            "for example: id=pow-cost",
            id="bad-id",
        ),
        pytest.param(
            "::: quiz pool=0\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "'pool' must be a whole number of at least 1 (got '0')",
            None,
            id="pool-zero",
        ),
        pytest.param(
            "::: quiz attempts=none\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "'attempts' must be a whole number of at least 1, or unlimited (got 'none')",
            None,
            id="attempts-zero",
        ),
        pytest.param(
            "::: quiz exam pass=150\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "'pass' must be a percentage from 0 to 100 (got '150')",
            "for example: pass=70",
            id="pass-high",
        ),
        pytest.param(
            "::: quiz grded\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "unknown quiz kind 'grded'",
            "did you mean 'graded'?",
            id="quiz-kind-typo",
        ),
        pytest.param(
            "::: quiz final\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "unknown quiz kind 'final'",
            "a quiz is 'check' (practice, not graded), 'graded' or 'exam'",
            id="quiz-kind-unknown",
        ),
        pytest.param(
            "::: question single\n- [x] a\n- [ ] b\n:::\n",
            1,
            "the question has no text",
            "write the question on the lines after '::: question single', before the choices",
            id="no-text",
        ),
        pytest.param(
            "::: question multiple\nQ\n\n- [ ] a\n- [ ] b\n:::\n",
            1,
            "the question has no right answer",
            "mark the right choice with [x]: '- [x] Rewriting past blocks'",
            id="no-right-choice",
        ),
        pytest.param(
            "::: question short\nQ\n\nHint: think\n:::\n",
            1,
            "the question has no right answer",
            "add a line with the accepted answer: 'Answer: SHA-256'",
            id="no-right-short",
        ),
        pytest.param(
            "::: question numeric\nQ\n:::\n",
            1,
            "the question has no right answer",
            "add a line with the accepted answer: 'Answer: 21000000'",
            id="no-right-numeric",
        ),
        pytest.param(
            "::: question single\nQ\n\n- [x] a\n- [x] b\n- [ ] c\n:::\n",
            5,
            "a single-choice question needs exactly one right answer, but 2 choices are marked [x]",
            "mark only the right one, or write '::: question multiple' if learners should pick several",
            id="two-right-single",
        ),
        pytest.param(
            "::: question single\nQ\n\n- [x] a\n- [ ]\n:::\n",
            5,
            "choice 2 is empty",
            "write the choice right after its box, on the same line: '- [ ] Sending a transaction'",
            id="empty-choice",
        ),
        pytest.param(
            "::: question single\nQ\n\n- [x] a\n- b\n:::\n",
            5,
            "choice 2 has no box",
            "start it with '[ ] ', or '[x] ' if it is right: '- [ ] b'",
            id="choice-without-box",
        ),
        pytest.param(
            "::: question single\nQ\n:::\n",
            1,
            "the question has no choices",
            "list them under the question: '- [ ] a wrong choice' and '- [x] the right choice'",
            id="no-choices",
        ),
        pytest.param(
            "::: question single\nQ\n\n- a\n- b\n:::\n",
            4,
            "the choices have no boxes",
            "start each choice with '[ ] ', or '[x] ' if it is right: '- [x] Rewriting past blocks'",
            id="no-boxes",
        ),
        pytest.param(
            "::: question single\nQ\n\n- [x] a\n:::\n",
            4,
            "a single-choice question needs at least two choices",
            "add the wrong choices learners should consider: '- [ ] ...'",
            id="one-choice",
        ),
        pytest.param(
            "::: question true-false\nQ\n\n- [x] Yes\n- [ ] No\n:::\n",
            4,
            "a true-false question needs two choices, True and False, with exactly one marked [x]",
            "write '- [x] True' and '- [ ] False', or the other way round",
            id="true-false-wrong",
        ),
        pytest.param(
            "::: question true-false\nQ\n\n- [x] True\n- [x] False\n:::\n",
            4,
            "a true-false question needs two choices, True and False, with exactly one marked [x]",
            "write '- [x] True' and '- [ ] False', or the other way round",
            id="true-false-both",
        ),
        pytest.param(
            "::: question matching\nQ\n\n- Hash -> A\n- Nonce\n:::\n",
            5,
            "pair 2 has no '->'",
            "write each pair as 'left -> right': '- Hash -> A fixed-size fingerprint of data'",
            id="pair-no-arrow",
        ),
        pytest.param(
            "::: question matching\nQ\n\n- Hash -> A\n- Nonce ->\n:::\n",
            5,
            "pair 2 has nothing after '->'",
            "write what 'Nonce' matches after the arrow",
            id="pair-no-right",
        ),
        pytest.param(
            "::: question matching\nQ\n\n- Hash -> A\n- Nonce -> B\n- -> A signature\n:::\n",
            6,
            "pair 3 has nothing before '->'",
            "to offer an answer that matches nothing, write it as 'Distractor: A signature'",
            id="pair-no-left",
        ),
        pytest.param(
            "::: question matching\nQ\n\n- Hash -> A\n- Nonce -> B\n-\n:::\n",
            6,
            "pair 3 is empty",
            "write it as 'left -> right'",
            id="pair-empty",
        ),
        pytest.param(
            "::: question matching\nQ\n\n- Hash -> A\n- Hash -> B\n:::\n",
            5,
            "'Hash' appears twice on the left",
            "each left-hand item has one match; the first is on line 4",
            id="left-twice",
        ),
        pytest.param(
            "::: question matching\nQ\n\n- Hash -> A\n:::\n",
            4,
            "a matching question needs at least two pairs",
            "add another pair: '- Nonce -> The number miners change'",
            id="one-pair",
        ),
        pytest.param(
            "::: question matching\nQ\n:::\n",
            1,
            "the question has no pairs",
            "write each pair as 'left -> right': '- Hash -> A fixed-size fingerprint of data'",
            id="no-pairs",
        ),
        pytest.param(
            "::: question matching\nQ\n\n- Hash -> A\n  > Yes.\n- Nonce -> B\n:::\n",
            5,
            "feedback under a pair is not shown",
            "give feedback for the whole question on 'Correct:' and 'Incorrect:' lines",
            id="pair-feedback",
        ),
        pytest.param(
            "::: question matching\nQ\n\n- Hash -> A\n\n  More.\n- Nonce -> B\n:::\n",
            4,
            "a pair must be a single line 'left -> right'",
            "put longer explanations in the question's text",
            id="pair-two-lines",
        ),
        pytest.param(
            "::: question ordering\nQ\n\n1. First\n:::\n",
            4,
            "an ordering question needs at least two items",
            "list them in the right order: '1. Collect transactions', '2. Find a nonce'",
            id="one-item",
        ),
        pytest.param(
            "::: question ordering\nQ\n\n1. First\n2.\n3. Third\n:::\n",
            5,
            "item 2 is empty",
            "write the item's text after its number",
            id="item-empty",
        ),
        pytest.param(
            "::: question ordering\nQ\n\n1. First\n   > Yes.\n2. Second\n:::\n",
            5,
            "feedback under an item is not shown",
            "give feedback for the whole question on 'Correct:' and 'Incorrect:' lines",
            id="item-feedback",
        ),
        pytest.param(
            "::: question single\nQ\n\n- [x] a\n  - why\n- [ ] b\n:::\n",
            5,
            "choice 1 holds a list",
            "to give feedback on a choice, start the line under it with '>': '  > Sending is cheap; anyone can broadcast one.'",
            id="choice-list",
        ),
        pytest.param(
            "::: question single\nQ\n\n- [x] a\n  Correct: yes\n- [ ] b\n:::\n",
            5,
            "'Correct:' is indented under a list item",
            "feedback on a choice starts with '>'; lines for the whole question start at the beginning of the line: 'Correct: ...'",
            id="indented-label",
        ),
        pytest.param(
            "::: question single\nQ\n\n- [x] a\n- [ ] b\n\nHnit: think\n:::\n",
            7,
            "unexpected text after the choices",
            "did you mean 'Hint:'?",
            id="unexpected-typo",
        ),
        pytest.param(
            "::: question single\nQ\n\n- [x] a\n- [ ] b\n\nMore text.\n:::\n",
            7,
            "unexpected text after the choices",
            "the question's text goes before the choices; feedback goes on 'Correct:', 'Incorrect:' or 'Explanation:' lines",
            id="unexpected-text",
        ),
        pytest.param(
            "::: question single\nQ\n\n- [x] a\n- [ ] b\n\nAnswer: a\n:::\n",
            7,
            "'Answer:' is not used in single-choice questions",
            "mark the right choices with [x]: '- [x] Rewriting past blocks'",
            id="answer-in-single",
        ),
        pytest.param(
            "::: question matching\nQ\n\n- a -> 1\n- b -> 2\n\nAnswer: a\n:::\n",
            7,
            "'Answer:' is not used in matching questions",
            "the pairs are the answer: '- Hash -> A fixed-size fingerprint'",
            id="answer-in-matching",
        ),
        pytest.param(
            "::: question ordering\nQ\n\n1. a\n2. b\n\nAnswer: a\n:::\n",
            7,
            "'Answer:' is not used in ordering questions",
            "the items, listed in the right order, are the answer",
            id="answer-in-ordering",
        ),
        pytest.param(
            "::: question short\nQ\n\nAnswer: x\nDistractor: y\n:::\n",
            5,
            "'Distractor:' is not used in short-answer questions",
            "a distractor is a right-hand item that matches nothing in a matching question",
            id="distractor-in-short",
        ),
        pytest.param(
            "::: question short\nQ\n\nAnswer: x\nCorrect: Yes.\nCorrect: Indeed.\n:::\n",
            6,
            "'Correct:' is given twice",
            "join the two into one (the first is on line 5)",
            id="label-twice",
        ),
        pytest.param(
            "::: question short\nQ\n\nAnswer: x\nHint:\n:::\n",
            5,
            "'Hint:' is empty",
            None,
            id="label-empty",
        ),
        pytest.param(
            "::: question numeric\nQ\n\nAnswer: ten\n:::\n",
            4,
            "'ten' is not a number",
            "write it like 'Answer: 42', 'Answer: 3.14 ± 0.01' or 'Answer: 3.1 to 3.2'",
            id="not-a-number",
        ),
        pytest.param(
            "::: question numeric\nQ\n\nAnswer: 21,000,000\n:::\n",
            4,
            "'21,000,000' is not a number",
            "write numbers without thousands separators: 21000000",
            id="thousands",
        ),
        pytest.param(
            "::: question numeric\nQ\n\nAnswer: 3.14 ± -0.01\n:::\n",
            4,
            "the tolerance '-0.01' is not a number of zero or more",
            "write it after ±, like 'Answer: 3.14 ± 0.01' or 'Answer: 100 ± 5%'",
            id="bad-tolerance",
        ),
        pytest.param(
            "::: question numeric\nQ\n\nAnswer: 3.14 +-\n:::\n",
            4,
            "the tolerance after '±' is missing",
            "write it after ±, like 'Answer: 3.14 ± 0.01' or 'Answer: 100 ± 5%'",
            id="missing-tolerance",
        ),
        pytest.param(
            "::: question numeric\nQ\n\nAnswer: 5 to 3\n:::\n",
            4,
            "the range '5 to 3' runs from high to low",
            "write the smaller number first: 'Answer: 3 to 5'",
            id="reversed-range",
        ),
        pytest.param(
            "::: question short id=hash\nQ\n\nAnswer: x\n:::\n\n::: question short id=hash\nR\n\nAnswer: y\n:::\n",
            7,
            "question id 'hash' is used twice in this lesson (first on line 1)",
            "give each question its own id, or leave 'id' out to number them automatically",
            id="duplicate-id",
        ),
        # Numbers a browser cannot hold would write Infinity into the page's quiz data,
        # which is not JSON: every quiz of the page would be dead.
        pytest.param(
            "::: question numeric\nQ\n\nAnswer: 1e400\n:::\n",
            4,
            "the number '1e400' is too large",
            "numbers in answers must be smaller than 1e300",
            id="numeric-infinite",
        ),
        pytest.param(
            "::: question numeric\nQ\n\nAnswer: -1e99999999999999999999999\n:::\n",
            4,
            "the number '-1e99999999999999999999999' is too large",
            "numbers in answers must be smaller than 1e300",
            id="numeric-beyond-decimal",
        ),
        pytest.param(
            "::: question numeric\nQ\n\nAnswer: 1e-400\n:::\n",
            4,
            "the number '1e-400' is too close to zero",
            "numbers in answers other than 0 must be at least 1e-300 in size",
            id="numeric-underflow",
        ),
        pytest.param(
            "::: question numeric\nQ\n\nAnswer: 1 to 1e400\n:::\n",
            4,
            "the number '1e400' is too large",
            "numbers in answers must be smaller than 1e300",
            id="numeric-infinite-range",
        ),
        pytest.param(
            f"::: question numeric\nQ\n\nAnswer: 5 ± {'9' * 400}\n:::\n",
            4,
            f"the number '{'9' * 39}…' is too large",
            "numbers in answers must be smaller than 1e300",
            id="numeric-infinite-tolerance",
        ),
        pytest.param(
            f"::: question numeric\nQ\n\nAnswer: 1e299 ± 1{'0' * 20}%\n:::\n",
            4,
            f"the tolerance '1{'0' * 20}%' is too large",
            "a tolerance in percent is a share of the answer: 'Answer: 100 ± 5%'",
            id="numeric-infinite-percent",
        ),
        pytest.param(
            "::: question short points=1e400\nQ\n\nAnswer: x\n:::\n",
            1,
            "'points' must be at most 10000 (got '1e400')",
            "for example: points=2 or points=0.5",
            id="points-infinite",
        ),
        pytest.param(
            "::: question short points=NaN\nQ\n\nAnswer: x\n:::\n",
            1,
            "'points' must be a positive number (got 'NaN')",
            "for example: points=2 or points=0.5",
            id="points-nan",
        ),
        pytest.param(
            "::: question short points=1e99999999999999999999999\nQ\n\nAnswer: x\n:::\n",
            1,
            "'points' must be a positive number (got '1e99999999999999999999999')",
            "for example: points=2 or points=0.5",
            id="points-beyond-decimal",
        ),
        pytest.param(
            f"::: quiz pool={'9' * 5000}\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            f"'pool' must be at most 10000 (got '{'9' * 39}…')",
            None,
            id="pool-huge",
        ),
        pytest.param(
            "::: quiz pool=²\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "'pool' must be a whole number of at least 1 (got '²')",
            None,
            id="pool-superscript",
        ),
        pytest.param(
            "::: quiz graded attempts=99999999999\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "'attempts' must be at most 10000 (got '99999999999')",
            None,
            id="attempts-huge",
        ),
        pytest.param(
            "::: quiz exam pass=²\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            1,
            "'pass' must be a percentage from 0 to 100 (got '²')",
            "for example: pass=70",
            id="pass-superscript",
        ),
    ],
)
def test_authoring_errors_name_the_line_and_the_fix(
    body: str, line: int, message: str, hint: str | None
) -> None:
    _, problems = parse(body)
    expected = f"{P}:{line}: error: {message}" + (f"\n  hint: {hint}" if hint else "")
    assert problems == [expected]


def test_a_question_with_errors_is_left_out_and_its_placeholder_too() -> None:
    result, problems = parse("::: question single\nQ\n\n- [ ] a\n- [ ] b\n:::\n")
    assert len(problems) == 1
    assert result.quizzes == ()
    assert result.tokens == []


def test_question_ids_must_be_unique_across_the_course() -> None:
    reporter = Reporter()
    first = parse_quizzes(
        make_lesson("::: question short id=hash\nQ\n\nAnswer: x\n:::\n"), reporter
    )
    second = parse_quizzes(
        make_lesson(
            "::: quiz id=final\n::: question short id=hash\nQ\n\nAnswer: x\n:::\n:::\n\n"
            "::: quiz id=final\n::: question short\nQ\n\nAnswer: x\n:::\n:::\n",
            relpath="02-keys/01-signatures.md",
            lesson_id="keys/signatures",
        ),
        reporter,
    )
    assert reporter.diagnostics == []
    check_unique_ids([*first.quizzes, *second.quizzes], reporter)
    assert [d.format() for d in reporter.diagnostics] == [
        f"02-keys/01-signatures.md:2: error: question id 'hash' is also used at {P}:1\n"
        "  hint: question ids must be unique in the whole course, because the LMS keeps "
        "learners' results under them: rename one",
        "02-keys/01-signatures.md:9: error: quiz id 'final' is also used at "
        "02-keys/01-signatures.md:1\n"
        "  hint: quiz ids must be unique in the whole course, because the LMS keeps "
        "learners' results under them: rename one",
    ]


# --------------------------------------------------------------------------- the guide


def test_every_complete_example_in_the_authors_guide_parses() -> None:
    guide = (REPO / "docs" / "quizzes.md").read_text(encoding="utf-8")
    examples = [
        block
        for block in re.findall(r"```markdown\n(.*?)```", guide, re.DOTALL)
        if block.startswith(":::") and block.rstrip().endswith(":::")
    ]
    assert len(examples) >= 9
    for example in examples:
        result, problems = parse(example)
        assert problems == [], example
        assert result.quizzes, example
