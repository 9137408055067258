"""The shipped curriculum cannot shrink below what the programmes need (issue 10).

Each course of ``courses/``: at least 4 teaching modules and 12 lessons, a graded quiz of
at least 5 questions ending every teaching module, a final exam drawing from a pool,
and a duration that is what its lessons add up to.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
import yaml

from builder.assessment import QuizKind
from builder.build import build
from builder.errors import Reporter
from builder.grading import grading_policy
from builder.model import Course
from builder.sources import load_course
from tests.support import REPO

COURSES = sorted(path.parent for path in (REPO / "courses").glob("*/course.yml"))
EXPECTED = {
    "blockchain-foundations",
    "ai-ethics-and-safety",
    "ai-soft-skills-for-educators",
    "ai-hard-skills-llama",
}
LLAMA = REPO / "courses" / "ai-hard-skills-llama"


def load(path: Path) -> Course:
    reporter = Reporter()
    course = load_course(path, reporter)
    assert course is not None and not reporter.errors, reporter.errors
    assert not [w for w in reporter.warnings if "duration" in w.message], reporter.warnings
    return course


def test_the_courses_of_the_programmes_are_all_here() -> None:
    assert {path.name for path in COURSES} >= EXPECTED


@pytest.mark.parametrize("path", COURSES, ids=[path.name for path in COURSES])
def test_a_course_meets_the_minimums(path: Path) -> None:
    course = load(path)
    exams = [quiz for quiz in course.graded_quizzes if quiz.kind is QuizKind.EXAM]
    assert len(exams) == 1
    (exam,) = exams
    teaching = [module for module in course.modules if exam.lesson_id.split("/")[0] != module.id]
    assert len(teaching) >= 4
    assert sum(len(module.lessons) for module in teaching) >= 12
    for module in teaching:
        quizzes = [
            quiz
            for quiz in course.graded_quizzes
            if quiz.kind is QuizKind.GRADED and quiz.lesson_id.split("/")[0] == module.id
        ]
        assert quizzes, f"module {module.id} has no graded quiz"
        assert all(len(quiz.questions) >= 5 for quiz in quizzes), module.id
    for lesson in course.lessons:
        assert lesson.duration_minutes and lesson.objectives, lesson.id
    assert exam.pool is not None and len(exam.questions) >= 20 and len(exam.questions) > exam.pool
    assert grading_policy(course).exam_required
    assert course.config.duration_minutes == sum(
        lesson.duration_minutes or 0 for lesson in course.lessons
    )


def test_the_llama_certification_draws_20_of_at_least_40_at_70_percent() -> None:
    course = load(LLAMA)
    (exam,) = [quiz for quiz in course.graded_quizzes if quiz.kind is QuizKind.EXAM]
    assert len(exam.questions) >= 40 and exam.pool == 20
    assert course.config.mastery_score == 70
    assert grading_policy(course).exam_required


def test_the_llama_course_teaches_with_formulas() -> None:
    """Its lessons write math that the build turns into MathML (issue 10 asked for it)."""
    course = load(LLAMA)
    with_math = [lesson.id for lesson in course.lessons if "$$" in lesson.body]
    assert len(with_math) >= 8, with_math


def test_a_duration_the_lessons_do_not_add_up_to_is_a_located_warning(tmp_path: Path) -> None:
    course = tmp_path / "short"
    (course / "01-only").mkdir(parents=True)
    (course / "course.yml").write_text(
        'id: short\ntitle: Short\nversion: "1"\nduration: 4h\n', encoding="utf-8"
    )
    for name, minutes in (("01-a.md", 90), ("02-b.md", 100)):
        (course / "01-only" / name).write_text(
            f"---\ntitle: {name}\nduration: {minutes}\n---\nText.\n", encoding="utf-8"
        )
    reporter = Reporter()
    assert load_course(course, reporter) is not None
    assert [d.format() for d in reporter.diagnostics] == [
        f"{(course / 'course.yml').as_posix()}:4: warning: 'duration' is 4h, but the lessons "
        "add up to 3h 10m\n  hint: write duration: 3h 10m, or correct the lessons' durations"
    ]


LOCALES = REPO / "locales"
REGIONAL = ("pa-Arab", "sd", "ps")
"""The languages of the first module of the soft-skills course (issue 10)."""


def translated_share(catalog: polib.POFile, only: str = "") -> tuple[int, int]:
    """(translated, all) segments of ``catalog``, of one module folder when ``only`` is given."""
    entries = [
        entry
        for entry in catalog
        if entry.msgid
        and not entry.obsolete
        and (not only or any(f"/{only}/" in path for path, _ in entry.occurrences))
    ]
    done = [entry for entry in entries if entry.msgstr and "fuzzy" not in entry.flags]
    return len(done), len(entries)


@pytest.mark.parametrize("path", COURSES, ids=[path.name for path in COURSES])
def test_every_course_is_completely_translated_into_urdu(path: Path) -> None:
    course = load(path)
    assert "ur" in course.config.languages
    catalog = polib.pofile(str(LOCALES / "ur" / "LC_MESSAGES" / f"{course.config.id}.po"))
    done, every = translated_share(catalog)
    assert every > 500 and done == every, f"{every - done} of {every} untranslated"


@pytest.mark.parametrize("lang", REGIONAL)
def test_the_first_soft_skills_module_is_in_the_regional_languages(lang: str) -> None:
    course = load(REPO / "courses" / "ai-soft-skills-for-educators")
    assert lang in course.config.languages
    first = course.modules[0].relpath
    catalog = polib.pofile(str(LOCALES / lang / "LC_MESSAGES" / "ai-soft-skills-for-educators.po"))
    done, every = translated_share(catalog, first)
    assert every > 150 and done == every, f"{every - done} of {every} untranslated"
    # The whole catalog's share clears the language's own threshold, so it is built.
    done_all, all_segments = translated_share(catalog)
    assert done_all * 100 >= course.config.min_translation_for(lang) * all_segments


def test_the_shared_glossary_gives_one_urdu_term_for_each_english_one() -> None:
    terms = yaml.safe_load((LOCALES / "glossary.yml").read_text(encoding="utf-8"))["terms"]
    english = [term["en"] for term in terms]
    assert len(terms) >= 90 and len(set(english)) == len(english)
    assert all(term.get("ur") for term in terms)


def test_a_regional_language_is_built_with_its_first_module(tmp_path: Path) -> None:
    """Sindhi clears its own threshold: module 1 reads in Sindhi, the rest in English."""
    soft = REPO / "courses" / "ai-soft-skills-for-educators"
    (package,) = build([soft], tmp_path, ["website"], languages=["sd"]).packages
    assert package.folder is not None
    course = load(soft)
    first, later = course.modules[0].lessons[0], course.modules[2].lessons[0]
    catalog = polib.pofile(str(LOCALES / "sd" / "LC_MESSAGES" / "ai-soft-skills-for-educators.po"))
    title = catalog.find(first.title)
    assert title is not None and title.msgstr
    page = (package.folder / first.output_path).read_text(encoding="utf-8")
    assert '<html lang="sd" dir="rtl"' in page and title.msgstr in page
    fallback = (package.folder / later.output_path).read_text(encoding="utf-8")
    # Its untranslated title keeps its own direction inside the right-to-left page.
    assert f'<h1 dir="auto">{later.title}</h1>' in fallback
