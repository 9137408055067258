"""`sabaq new`: a new course folder that builds at once and shows the source format."""

from __future__ import annotations

import json
from pathlib import Path

from builder.fields import SLUG, FieldReader, character_problem

COURSE_YML = """\
id: {id}
title: {title}
version: "0.1.0"
language: {language}
languages: [{language}]
description: One or two sentences on what learners will be able to do after this course.
authors: []
licence: CC-BY-SA-4.0
audience: Who the course is for
duration: 15m                   # the lessons add up to this (sabaq warns when they do not)
mastery_score: 80
formats: [scorm12, scorm2004, imscp, imscc11, imscc13, cmi5, website, questionbank]
"""

MODULE_YML = """\
title: Getting started
description: What this first module covers.
"""

LESSON = """\
---
title: Welcome
duration: 10
objectives:
  - Find your way around the course
---
## How this course works

Each lesson is a Markdown file like this one. Write paragraphs, **bold** and *italic*
text, lists, tables, `code`, and links to other lessons such as
[the first quiz](02-first-quiz.md).

> [!TIP]
> Run `sabaq preview {course_path}` to see the course as learners will, while you edit.

::: question single
Where do the lessons of a module live?

- [x] In Markdown files in the module's folder
  > Right: one file per lesson, in the order of their names.
- [ ] In course.yml
  > course.yml holds the course's title, version and settings, not its lessons.
:::
"""

QUIZ_LESSON = """\
---
title: First quiz
duration: 5
---
This quiz counts toward the course score. See docs/quizzes.md for every kind of question.

::: quiz graded title="First quiz" attempts=3

::: question true-false
A course is built with one command.

- [x] True
- [ ] False
:::

::: question short
What is the name of the file that holds a course's settings?

Answer: course.yml
:::

:::
"""


class ScaffoldError(Exception):
    """The new course cannot be created where asked."""


def new_course(courses_dir: Path, course_id: str, title: str, language: str = "en") -> Path:
    """Create ``courses_dir/<course_id>`` with a module, a lesson and a quiz.

    Everything is checked before anything is created, as ``course.yml`` would be
    checked on loading: a title with a line break would end up in one-line places
    (GIFT's header comment among them), and a language with one would write keys of
    its own into ``course.yml``.
    """
    if not SLUG.match(course_id):
        raise ScaffoldError(
            f"{_quoted(course_id)} cannot be a course id: use lowercase letters, digits and "
            "hyphens, starting with a letter (for example ai-ethics)"
        )
    if (problem := character_problem(title)) is not None:
        raise ScaffoldError(f"the title {problem[0]}: {problem[1]}")
    if not title.strip():
        raise ScaffoldError("the title must not be empty: give --title a title to show learners")
    if not FieldReader.language_ok(language):
        raise ScaffoldError(
            f"{_quoted(language)} cannot be a language: give a language tag such as en, ur "
            "or pa-Arab"
        )
    target = courses_dir / course_id
    if target.exists():
        raise ScaffoldError(f"{target} already exists; choose another id or remove it first")
    module = target / "01-getting-started"
    module.mkdir(parents=True)
    (target / "course.yml").write_text(
        COURSE_YML.format(id=course_id, title=_yaml_text(title), language=language),
        encoding="utf-8",
    )
    (module / "module.yml").write_text(MODULE_YML, encoding="utf-8")
    (module / "01-welcome.md").write_text(
        LESSON.format(course_path=target.as_posix()), encoding="utf-8"
    )
    (module / "02-first-quiz.md").write_text(QUIZ_LESSON, encoding="utf-8")
    return target


def _quoted(text: str) -> str:
    # Quoted as Python writes it when it holds a control character: never raw on a terminal.
    return repr(text) if character_problem(text) else f"'{text}'"


def _yaml_text(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON's strings are YAML's), whatever it holds."""
    return json.dumps(text, ensure_ascii=False)
