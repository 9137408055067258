"""Synthetic courses of any size, written the way authors write real ones.

The benchmark (``benchmarks/scale.py``) and the tests of large-course behaviour (the
build cache, parallel builds, SCORM 1.2's saved-state limit) need courses far larger
than the shipped ones. Each lesson has what real lessons have: headings, paragraphs with
emphasis, links to the lessons before it and to the web, a list, a table, a code block,
an image and a knowledge-check question; each module ends in a graded quiz and the course in an
exam drawn from a pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FIGURE = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" role="img">
<rect x="10" y="20" width="60" height="40" fill="#e8f0fe" stroke="#1a73e8"/>
<rect x="130" y="20" width="60" height="40" fill="#fce8e6" stroke="#d93025"/>
<path d="M70 40 H130" stroke="#202124" stroke-width="2"/>
</svg>
"""


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    modules: int
    lessons_per_module: int

    @property
    def lessons(self) -> int:
        return self.modules * self.lessons_per_module


SMALL = Size("small", 3, 4)
MEDIUM = Size("medium", 10, 10)
LARGE = Size("large", 52, 20)
SIZES = (SMALL, MEDIUM, LARGE)


def write_course(root: Path, size: Size, course_id: str = "synthetic") -> Path:
    """Write a course of ``size`` under ``root``; returns its folder."""
    course = root / course_id
    course.mkdir(parents=True)
    (course / "course.yml").write_text(_course_yml(course_id, size), encoding="utf-8")
    for m in range(1, size.modules + 1):
        module = course / f"{m:02d}-module-{m}"
        (module / "images").mkdir(parents=True)
        (module / "images" / "figure.svg").write_text(FIGURE, encoding="utf-8")
        (module / "module.yml").write_text(
            f"title: Module {m}\ndescription: What module {m} of the synthetic course teaches.\n",
            encoding="utf-8",
        )
        for n in range(1, size.lessons_per_module + 1):
            last = n == size.lessons_per_module
            text = lesson_text(m, n, quiz=last)
            (module / f"{n:02d}-lesson-{n}.md").write_text(text, encoding="utf-8")
    exam = course / f"{size.modules + 1:02d}-certification"
    exam.mkdir()
    (exam / "module.yml").write_text("title: Certification\n", encoding="utf-8")
    (exam / "01-final-exam.md").write_text(_exam(size), encoding="utf-8")
    return course


def _course_yml(course_id: str, size: Size) -> str:
    minutes = size.lessons * 20 + 30
    return (
        f"id: {course_id}\n"
        f"title: A synthetic course of {size.lessons} lessons\n"
        "description: Generated to measure and test Sabaq on courses of every size.\n"
        "language: en\n"
        'version: "1.0.0"\n'
        "authors: [Sabaq benchmarks]\n"
        "licence: CC-BY-SA-4.0\n"
        f"duration: {minutes // 60}h {minutes % 60}m\n"
        "mastery_score: 70\n"
        "formats: [scorm12, scorm2004, imscp, imscc11, imscc13, cmi5, website, "
        "questionbank, moodle]\n"
    )


def lesson_text(module: int, lesson: int, *, quiz: bool) -> str:
    """One lesson."""
    before = (
        f"[the lesson before](0{lesson - 1}-lesson-{lesson - 1}.md)"
        if 1 < lesson < 10
        else "[the course's home page](https://example.org/sabaq)"
    )
    parts = [
        "---",
        f"title: Lesson {module}.{lesson}",
        "duration: 20",
        "objectives:",
        f"  - Explain idea {module}.{lesson} in your own words",
        f"  - Apply idea {module}.{lesson} to a worked example",
        "---",
        "",
        "## Why it matters",
        "",
        f"This lesson builds on {before}. A **shared ledger** lets many parties agree on "
        "one history without trusting a single keeper, and *each* idea below adds one "
        "guarantee. We follow a small shop in Lahore that records its sales, its stock and "
        "its debts, and ask at every step what could go wrong and who would notice.",
        "",
        "Every paragraph of a real lesson carries some weight, so this one does too: it "
        "explains the trade-off between speed and safety, gives a figure (64 hexadecimal "
        "digits, 256 bits) and ends with a question for the reader to keep in mind.",
        "",
        "## A worked example",
        "",
        "1. Write down the entry as text.",
        "2. Compute its digest with `hashlib.sha256`.",
        "3. Compare it with the digest stored before.",
        "",
        "```python",
        "import hashlib",
        "",
        f'print(hashlib.sha256(b"entry {module}.{lesson}").hexdigest())',
        "```",
        "",
        "| input | digest (first 8 digits) |",
        "| --- | --- |",
        "| `abc` | `ba7816bf` |",
        "| `abd` | `a52d159f` |",
        "",
        "![Two boxes joined by a line: the entry and its digest](images/figure.svg)",
        "",
        "::: question single",
        f"Which step detects that entry {module}.{lesson} changed?",
        "",
        "- [ ] Writing the entry",
        "- [x] Comparing digests",
        "- [ ] Printing the entry",
        ":::",
        "",
        "## Summary",
        "",
        "- A digest is short and fixed in size.",
        "- A changed entry gives an unrelated digest.",
        "",
    ]
    if quiz:
        parts += _graded_quiz(module)
    return "\n".join(parts)


def _graded_quiz(module: int) -> list[str]:
    return [
        f'::: quiz graded id=module-{module}-quiz title="Module {module} quiz" attempts=3',
        f"::: question true-false id=m{module}-tf",
        "A digest changes when its input changes.",
        "",
        "- [x] True",
        "- [ ] False",
        ":::",
        "",
        f"::: question single id=m{module}-bits",
        "How many bits does SHA-256 give?",
        "",
        "- [ ] 128",
        "- [x] 256",
        "- [ ] 512",
        ":::",
        ":::",
        "",
    ]


def _exam(size: Size) -> str:
    pool = min(10, size.modules * 2)
    questions = []
    for number in range(1, size.modules * 2 + 1):
        right = number % 3
        choices = [
            f"- [{'x' if i == right else ' '}] Answer {i + 1} to question {number}"
            for i in range(3)
        ]
        questions += [
            f"::: question single id=exam-{number}",
            f"Exam question {number}: which answer is right?",
            "",
            *choices,
            ":::",
            "",
        ]
    questions += [
        "::: question numeric id=exam-digits",
        "How many hexadecimal digits does a SHA-256 digest have?",
        "",
        "Answer: 64",
        ":::",
        "",
    ]
    return "\n".join(
        [
            "---",
            "title: Final exam",
            "duration: 30",
            "---",
            "",
            "The exam draws its questions from a pool.",
            "",
            f'::: quiz exam id=final-exam title="Final exam" attempts=2 pool={pool}',
            *questions,
            ":::",
            "",
        ]
    )
