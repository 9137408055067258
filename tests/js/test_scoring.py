"""How learners' answers are marked, checked against the one scorer: the runtime they run.

Learners are scored in the page by ``scoreQuestion`` in
``builder/themes/default/static/sabaq.js``; there is no other scorer. The cases live in
``scoring_cases.json``: each question is lesson Markdown, parsed by the real parser and
turned into the page's JSON by :func:`builder.quizzes.runtime_question`, so a case tests
the data the build ships and the scorer together. Every case runs in one Node process per
test session (``run_cases.js``), and each is reported as its own test.

Node is needed (``scripts/setup.sh --test`` installs it). Without it these tests are
skipped on a developer's machine, and fail under CI (``CI`` set), where nothing may be
skipped for lack of a tool.
"""

from __future__ import annotations

import json
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from builder.assessment import parse_quizzes
from builder.errors import Reporter
from builder.model import Lesson
from builder.quizzes import runtime_question
from tests.support import require_tool

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_cases.js"
TABLE: dict[str, Any] = json.loads((HERE / "scoring_cases.json").read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class ScoreCase:
    id: str
    question: str
    """The name of the question in the table's ``questions``."""
    response: object
    expected: float


@dataclass(frozen=True, slots=True)
class NumberCase:
    id: str
    typed: str
    number: float | None


SCORE_CASES = [
    ScoreCase(case["id"], case["question"], case["response"], float(case["expected"]))
    for case in TABLE["cases"]
]


def _script_digits() -> list[NumberCase]:
    """Every script's ten digits, nine down to zero, as a learner types them.

    Unicode (category Nd) keeps each script's digits together, zero to nine; those that
    NFKC folds to ASCII (fullwidth, mathematical) need no table in the runtime.
    """
    cases = []
    for code in range(0x80, 0x110000):
        character = chr(code)
        if unicodedata.category(character) != "Nd" or unicodedata.decimal(character) != 0:
            continue
        if unicodedata.normalize("NFKC", character) != character:
            continue
        script = unicodedata.name(character).removesuffix(" DIGIT ZERO").lower().replace(" ", "-")
        typed = "".join(chr(code + digit) for digit in range(9, -1, -1))
        cases.append(NumberCase(f"digits-of-{script}-U+{code:04X}", typed, 9876543210.0))
    return cases


NUMBER_CASES = [
    NumberCase(f"typed-{case['typed']!a}", case["typed"], case["number"])
    for case in TABLE["numbers"]
] + _script_digits()


def runtime_data(name: str) -> dict[str, object]:
    """The JSON the page carries for the table's question ``name``."""
    source = "\n".join(TABLE["questions"][name]) + "\n"
    lesson = Lesson(
        id="scoring/cases",
        title="Scoring cases",
        path=HERE / "scoring-cases.md",
        relpath="scoring-cases.md",
        body=source,
        body_line=1,
    )
    reporter = Reporter()
    result = parse_quizzes(lesson, reporter)
    problems = [diagnostic.format() for diagnostic in reporter.diagnostics]
    assert problems == [], f"question {name!r} in scoring_cases.json does not parse"
    (quiz,) = result.quizzes
    (question,) = quiz.questions
    return runtime_question(question)


def find_node() -> str:
    return require_tool(
        "node",
        "nodejs",
        install="the runtime's scoring (sabaq.js) runs in Node: "
        "bash scripts/setup.sh --test installs Debian's nodejs",
    )


@dataclass(frozen=True, slots=True, repr=False)
class Results:
    fractions: dict[str, dict[str, Any]]
    """By case id: ``{"fraction": ...}`` or ``{"error": ...}``."""
    numbers: dict[str, dict[str, Any]]
    questions: dict[str, dict[str, object]]
    """The runtime JSON of each question, by name."""


@pytest.fixture(scope="session")
def results() -> Results:
    """Every case, run through sabaq.js in one Node process."""
    node = find_node()
    questions = {name: runtime_data(name) for name in TABLE["questions"]}
    request = {
        "score": [
            {"question": questions[case.question], "response": case.response}
            for case in SCORE_CASES
        ],
        "numbers": [case.typed for case in NUMBER_CASES],
    }
    completed = subprocess.run(
        [node, str(RUNNER)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, f"{RUNNER.name} failed:\n{completed.stderr}"
    answer = json.loads(completed.stdout)
    assert len(answer["score"]) == len(SCORE_CASES)
    assert len(answer["numbers"]) == len(NUMBER_CASES)
    return Results(
        fractions={case.id: got for case, got in zip(SCORE_CASES, answer["score"], strict=True)},
        numbers={case.id: got for case, got in zip(NUMBER_CASES, answer["numbers"], strict=True)},
        questions=questions,
    )


def test_the_table_is_well_formed() -> None:
    ids = [case.id for case in SCORE_CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert {case.question for case in SCORE_CASES} == set(TABLE["questions"]), (
        "every question is used, and every case names a question of the table"
    )
    assert all(0.0 <= case.expected <= 1.0 for case in SCORE_CASES)


@pytest.mark.parametrize("case", SCORE_CASES, ids=[case.id for case in SCORE_CASES])
def test_score(case: ScoreCase, results: Results) -> None:
    got = results.fractions[case.id]
    assert "error" not in got, f"scoreQuestion threw:\n{got['error']}"
    assert got["fraction"] == pytest.approx(case.expected, abs=1e-12), (
        f"response {case.response!r} to {results.questions[case.question]}"
    )


@pytest.mark.parametrize("case", NUMBER_CASES, ids=[case.id for case in NUMBER_CASES])
def test_learner_number(case: NumberCase, results: Results) -> None:
    got = results.numbers[case.id]
    assert "error" not in got, f"parseLearnerNumber threw:\n{got['error']}"
    assert got["number"] == case.number, f"typed {case.typed!r}"
