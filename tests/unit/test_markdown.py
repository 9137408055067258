"""Lesson Markdown → HTML: features authors rely on, and every reference checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.token import _TokenType

from builder import assessment
from builder.assessment import AssessmentRef
from builder.errors import Reporter
from builder.markdown import (
    RESERVED_ID_PREFIX,
    AssessmentView,
    Localiser,
    code_lexer,
    highlighted,
    lexing_kept,
    render_lesson,
)
from builder.model import Course, Lesson
from builder.quizzes import TextRenderer, views_for
from builder.sources import load_course
from tests.support import copy_root


def render(
    course_dir: Path,
    relpath: str,
    body: str,
    assessment_view: AssessmentView | None = None,
    localiser: Localiser | None = None,
) -> tuple[str, list[str], frozenset[str]]:
    """Render ``body`` as the lesson at ``relpath`` of the course."""
    reporter = Reporter()
    course, lesson = loaded_lesson(course_dir, relpath, body, reporter)
    result = render_lesson(course, lesson, reporter, localiser, assessment_view)
    return result.html, [d.format() for d in reporter.diagnostics], result.assets


def loaded_lesson(
    course_dir: Path, relpath: str, body: str, reporter: Reporter
) -> tuple[Course, Lesson]:
    """The course with ``body`` written as its lesson at ``relpath``, and that lesson."""
    path = course_dir / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: Test\n---\n{body}", encoding="utf-8")
    course = load_course(course_dir, reporter)
    assert course is not None, [d.format() for d in reporter.diagnostics]
    lesson = course.lesson_by_relpath(relpath)
    assert lesson is not None
    return course, lesson


@pytest.fixture
def course_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return copy_root("minimal", tmp_path)


def test_gfm_features(course_dir: Path) -> None:
    html, problems, _ = render(
        course_dir,
        "02-more/02-features.md",
        "## Data & more\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] open\n\n"
        "~~old~~ text[^n]\n\n[^n]: A note.\n\n> [!WARNING]\n> Careful.\n\n"
        '!!! note "Custom title"\n    Inside.\n',
    )
    assert problems == []
    assert '<h2 id="data--more">Data &amp; more</h2>' in html
    assert '<div class="table-wrap">\n<table>' in html and "</table>\n</div>" in html
    assert 'class="task-list-item-checkbox" disabled="" type="checkbox" checked=""' in html
    assert "<s>old</s>" in html
    assert 'class="footnote-ref"' in html and 'class="footnotes"' in html
    assert 'class="markdown-alert markdown-alert-warning"' in html
    assert '<p class="admonition-title">Custom title</p>' in html


def test_code_is_highlighted_at_build_time_and_reads_left_to_right(course_dir: Path) -> None:
    html, problems, _ = render(
        course_dir, "02-more/02-code.md", '```python\nprint("<hi>")\n```\n\n```\nplain <b>\n```\n'
    )
    assert problems == []
    assert '<pre class="highlight" dir="ltr" tabindex="0" data-lang="python"><code>' in html
    assert '<span class="nb">print</span>' in html
    assert "&lt;hi&gt;" in html
    assert "plain &lt;b&gt;" in html


def test_unknown_code_language_is_a_located_warning(course_dir: Path) -> None:
    _, problems, _ = render(course_dir, "02-more/02-code.md", "Text.\n\n```pythn\nx = 1\n```\n")
    assert problems == [
        "minimal/02-more/02-code.md:6: warning: unknown code language 'pythn'; "
        "the block is shown without highlighting\n"
        "  hint: use a Pygments language name such as python, bash, json, solidity or text"
    ]


def test_raw_html_from_authors_is_escaped(course_dir: Path) -> None:
    html, _, _ = render(
        course_dir,
        "02-more/02-html.md",
        '<script>alert(1)</script>\n\nText <img src=x onerror="alert(2)"> and [x](javascript:alert(3)).\n',
    )
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_links_between_lessons_become_package_paths(course_dir: Path) -> None:
    html, problems, assets = render(
        course_dir,
        "02-more/02-links.md",
        "[a](../01-basics/02-tables.md#a-table) [b](01-last.md) [c](#here) "
        "[d](https://example.org/x) [e](mailto:team@example.org)\n\n"
        "![Square](../01-basics/images/square.svg)\n",
    )
    assert problems == []
    assert '<a href="../01-basics/02-tables.html#a-table">a</a>' in html
    assert '<a href="01-last.html">b</a>' in html
    assert '<a href="#here">c</a>' in html
    assert '<a href="https://example.org/x" target="_blank" rel="noopener noreferrer">d</a>' in html
    assert 'href="mailto:team@example.org" target="_blank"' in html
    assert (
        '<img src="../01-basics/images/square.svg" alt="Square" width="10" height="10" '
        'class="fluid" loading="lazy" />'
    ) in html
    assert assets == frozenset({"01-basics/images/square.svg"})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Intro.\n\n![](../01-basics/images/square.svg)\n",
            "minimal/02-more/02-x.md:6: error: image '../01-basics/images/square.svg' has no alt text\n"
            "  hint: describe what the image shows for readers who cannot see it: "
            "![A hash chain of three blocks](../01-basics/images/square.svg)",
        ),
        (
            "See\n[the missing lesson](03-nope.md).\n",
            "minimal/02-more/02-x.md:5: error: link '03-nope.md' points to a missing lesson "
            "(02-more/03-nope.md)\n  hint: lessons of this course include: "
            "01-basics/01-welcome.md, 01-basics/02-tables.md, 02-more/01-last.md, 02-more/02-x.md",
        ),
        (
            "![Logo](https://cdn.example.org/logo.png)\n",
            "minimal/02-more/02-x.md:4: error: image 'https://cdn.example.org/logo.png' is loaded "
            "from the network\n  hint: packages must work offline: save the image beside the lesson "
            "and link it by a relative path",
        ),
        (
            "![Secret](../../outside.png)\n",
            "minimal/02-more/02-x.md:4: error: image '../../outside.png' points outside the course "
            "folder\n  hint: copy the file into the course folder; packages carry only the course's "
            "own files",
        ),
        (
            "[notes](/etc/passwd)\n",
            "minimal/02-more/02-x.md:4: error: link '/etc/passwd' is an absolute path\n"
            "  hint: write the path relative to this lesson's folder, with '/' separators",
        ),
        (
            "[file](missing.pdf)\n",
            "minimal/02-more/02-x.md:4: error: link 'missing.pdf' points to a missing file "
            "(02-more/missing.pdf)\n  hint: check the spelling and the folder; paths are relative "
            "to this lesson's folder",
        ),
        (
            "[readme](../course.yml.md)\n",
            "minimal/02-more/02-x.md:4: error: link '../course.yml.md' points to a missing lesson "
            "(course.yml.md)\n  hint: lessons of this course include: 01-basics/01-welcome.md, "
            "01-basics/02-tables.md, 02-more/01-last.md, 02-more/02-x.md",
        ),
    ],
)
def test_reference_errors_name_file_and_line(course_dir: Path, body: str, expected: str) -> None:
    _, problems, _ = render(course_dir, "02-more/02-x.md", body)
    assert problems == [expected]


def test_symlink_pointing_outside_the_course_is_refused(course_dir: Path, tmp_path: Path) -> None:
    # Below images/, which the loader does not list: only the reference finds the link.
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not yours")
    (course_dir / "02-more" / "images").mkdir()
    (course_dir / "02-more" / "images" / "picture.png").symlink_to(secret)
    _, problems, assets = render(course_dir, "02-more/02-x.md", "![Picture](images/picture.png)\n")
    assert problems == [
        "minimal/02-more/02-x.md:4: error: image 'images/picture.png' leads through the symbolic "
        f"link '02-more/images/picture.png' to {secret.as_posix()}, outside the course folder\n"
        "  hint: a package holds only the course's own files: replace the link with a copy of "
        "what it leads to, inside the course folder"
    ]
    assert assets == frozenset()


def test_a_symlinked_folder_on_the_way_out_is_named(course_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "passwd").write_text("root:x:0:0\n", encoding="utf-8")
    (course_dir / "01-basics" / "images" / "shared").symlink_to(tmp_path / "elsewhere")
    _, problems, _ = render(
        course_dir, "02-more/02-x.md", "[Accounts](../01-basics/images/shared/passwd)\n"
    )
    assert problems == [
        "minimal/02-more/02-x.md:4: error: link '../01-basics/images/shared/passwd' leads "
        "through the symbolic link '01-basics/images/shared' to "
        f"{(tmp_path / 'elsewhere').as_posix()}, outside the course folder\n"
        "  hint: a package holds only the course's own files: replace the link with a copy of "
        "what it leads to, inside the course folder"
    ]


def test_a_loop_of_symlinks_is_an_error_not_a_crash(course_dir: Path) -> None:
    images = course_dir / "01-basics" / "images"
    (images / "a.png").symlink_to("b.png")
    (images / "b.png").symlink_to("a.png")
    _, problems, _ = render(course_dir, "02-more/02-x.md", "![A](../01-basics/images/a.png)\n")
    assert problems == [
        "minimal/02-more/02-x.md:4: error: image '../01-basics/images/a.png' leads through the "
        "symbolic link '01-basics/images/a.png' round in a loop\n"
        "  hint: a package holds only the course's own files: replace the link with a copy of "
        "what it leads to, inside the course folder"
    ]


def test_a_symlink_inside_the_course_is_followed(course_dir: Path) -> None:
    """It can reach nothing the author did not put in the course; the package holds a copy."""
    (course_dir / "02-more" / "images").symlink_to("../01-basics/images")
    _, problems, assets = render(
        course_dir, "02-more/02-x.md", "![A blue square](images/square.svg)\n"
    )
    assert problems == []
    assert assets == frozenset({"02-more/images/square.svg"})


@pytest.mark.parametrize("escape", ["%00", "%0A", "%1B"])
def test_a_percent_escape_cannot_name_a_control_character(course_dir: Path, escape: str) -> None:
    _, problems, _ = render(course_dir, "02-more/02-x.md", f"[x](notes{escape}.pdf)\n")
    assert problems == [
        f"minimal/02-more/02-x.md:4: error: link 'notes{escape}.pdf' names a file holding "
        f"U+00{escape[1:]}, which no file in a package may\n"
        "  hint: remove the %-escape; name files with letters, digits, '.', '-' and '_'"
    ]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Sabaq quizzes", "section-sabaq-quizzes"),  # the page's quiz data
        ("sabaq-strings", "section-sabaq-strings"),
        ("SABAQ grading", "section-sabaq-grading"),
        ("Sabaq course", "section-sabaq-course"),
        ("Sabaq frame", "section-sabaq-frame"),
        ("Sabaq q 1 2", "section-sabaq-q-1-2"),
        ("Sabaq", "section-sabaq"),  # a second one would be "sabaq-1"
        ("fn1", "section-fn1"),  # the first footnote
        ("fnref1", "section-fnref1"),
        ("???", "section"),  # id="" is no id
        ("Sabaqs of old", "sabaqs-of-old"),
        ("Proof of work", "proof-of-work"),
    ],
)
def test_headings_never_take_an_id_the_page_uses(
    course_dir: Path, heading: str, expected: str
) -> None:
    html, problems, _ = render(course_dir, "02-more/02-x.md", f"## {heading}\n\nText.\n")
    assert problems == []
    assert f'<h2 id="{expected}">' in html


def test_repeated_reserved_headings_stay_out_of_the_reserved_ids(course_dir: Path) -> None:
    html, _, _ = render(course_dir, "02-more/02-x.md", "## Sabaq\n\n## Sabaq\n\n### Sabaq\n")
    assert re.findall(r'<h[23] id="([^"]+)"', html) == [
        "section-sabaq",
        "section-sabaq-1",
        "section-sabaq-2",
    ]


def test_no_heading_id_starts_with_the_reserved_prefix_the_theme_uses() -> None:
    """Every id the theme gives an element starts with sabaq- (or is a footnote's)."""
    themes = Path(__file__).resolve().parents[2] / "builder" / "themes" / "default" / "templates"
    ids = {
        value
        for template in themes.glob("*.j2")
        for value in re.findall(r'\bid="([^"{]+)', template.read_text(encoding="utf-8"))
    }
    assert ids and all(value.startswith(RESERVED_ID_PREFIX) for value in ids), ids


def test_downloads_are_packaged_as_assets(course_dir: Path) -> None:
    (course_dir / "02-more" / "handout.pdf").write_bytes(b"%PDF-1.4")
    html, problems, assets = render(course_dir, "02-more/02-x.md", "[Handout](handout.pdf)\n")
    assert problems == []
    assert '<a href="handout.pdf">Handout</a>' in html
    assert assets == frozenset({"02-more/handout.pdf"})


def question_texts(ref: AssessmentRef, text: TextRenderer) -> str:
    """A question's prompt, feedback and hints, each rendered as the quiz template does."""
    return "".join(
        str(html)
        for view in views_for(ref, text)
        for html in (view.prompt, *(feedback for _, _, feedback in view.choices), *view.hints)
        if html is not None
    )


def test_a_question_links_to_the_lessons_footnote_and_repeats_no_note(course_dir: Path) -> None:
    html, problems, _ = render(
        course_dir,
        "02-more/02-notes.md",
        "Body[^a].\n\n"
        "::: question single id=q\nWhy?[^a] See[^b], not [^undefined].\n\n"
        "- [ ] x\n  > Because of the note[^a].\n- [x] y\n\nHint: Read note[^b].\n:::\n\n"
        "[^a]: Note A.\n\n[^b]: Note B.\n",
        question_texts,
    )
    assert problems == []
    ids = re.findall(r' id="([^"]*)"', html)
    assert sorted(ids) == sorted(set(ids)) == ["fn1", "fn2", "fnref1"]
    assert html.count('class="footnotes"') == 1
    # Each reference in the question leads to the lesson's note, under the note's number.
    assert 'Why?<sup class="footnote-ref"><a href="#fn1">[1]</a></sup>' in html
    assert 'See<sup class="footnote-ref"><a href="#fn2">[2]</a></sup>, not [^undefined].' in html
    assert 'note<sup class="footnote-ref"><a href="#fn1">[1]</a></sup>.' in html
    # A note's back-links lead only to references in the lesson's text.
    assert (
        '<li id="fn1" class="footnote-item"><p>Note A. '
        '<a href="#fnref1" class="footnote-backref">\u21a9\ufe0e</a></p>' in html
    )
    assert '<li id="fn2" class="footnote-item"><p>Note B.</p>' in html


def test_code_is_lexed_once_for_both_highlightings(monkeypatch: pytest.MonkeyPatch) -> None:
    lexer = code_lexer("python")
    assert lexer is not None
    classes = HtmlFormatter(nowrap=True)
    inline = HtmlFormatter(nowrap=True, noclasses=True)
    code = "def f(x):\n    return x  # same\n"
    expected = highlight(code, lexer, classes), highlight(code, lexer, inline)
    lexed: list[str] = []
    get_tokens = lexer.get_tokens

    def counted(text: str) -> Iterator[tuple[_TokenType, str]]:
        lexed.append(text)
        yield from get_tokens(text)

    monkeypatch.setattr(lexer, "get_tokens", counted)
    with lexing_kept():
        assert (
            highlighted(code, "python", classes),
            highlighted(code, "python", inline),
        ) == expected
    assert lexed == [code]
    highlighted(code, "python", classes)
    assert lexed == [code, code]  # nothing is kept outside
    assert highlighted(code, "no-such-language", classes) is None


QUIZ_LESSON = (
    "Read this first.\n\n"
    "::: question true-false id=loose-a\nHashes can be reversed.\n\n- [ ] True\n- [x] False\n:::\n\n"
    "Between the questions.\n\n"
    "::: question true-false id=loose-b\nBlocks are chained.\n\n- [x] True\n- [ ] False\n:::\n\n"
    '::: quiz check id=practice title="Practice round"\nBefore you start.\n\n'
    "::: question true-false id=pr-tf\nKeys are secret.\n\n- [x] True\n- [ ] False\n:::\n:::\n\n"
    "::: quiz graded id=final title=Final\n"
    "::: question true-false id=g-tf\nMiners sign blocks.\n\n- [ ] True\n- [x] False\n:::\n:::\n"
)


def shown_assessments(
    course_dir: Path, relpath: str, monkeypatch: pytest.MonkeyPatch, *, drop_quizzes: bool
) -> tuple[list[AssessmentRef], list[AssessmentRef], list[str]]:
    """What the lesson's page shows (in order), what loading read, and what rendering read
    again of the lesson's blocks (lessons whose quizzes it read)."""
    course, lesson = loaded_lesson(course_dir, relpath, QUIZ_LESSON, Reporter())
    loaded = [
        AssessmentRef(quiz, question)
        for quiz in course.quizzes_of(lesson)
        for question in (quiz.questions if quiz.id.endswith("/check") else (None,))
    ]
    if drop_quizzes:  # as if loading had not made quizzes of the blocks
        course = replace(course, quizzes=())
    read_again: list[str] = []
    reading = assessment._LessonReader.read

    def counted(self: assessment._LessonReader) -> assessment.LessonQuizzes:
        read_again.append(self.lesson.relpath)
        return reading(self)

    monkeypatch.setattr(assessment._LessonReader, "read", counted)
    shown: list[AssessmentRef] = []

    def view(ref: AssessmentRef, text: TextRenderer) -> str:
        shown.append(ref)
        return ""

    render_lesson(course, lesson, Reporter(), None, view)
    return shown, loaded, read_again


def test_a_page_shows_the_quizzes_loading_read(
    course_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown, loaded, read_again = shown_assessments(
        course_dir, "02-more/03-quizzes.md", monkeypatch, drop_quizzes=False
    )
    assert read_again == []
    check = loaded[0].quiz.id
    assert [(ref.quiz.id, ref.question and ref.question.id) for ref in shown] == [
        (check, "loose-a"),
        (check, "loose-b"),
        ("practice", None),
        ("final", None),
    ]
    assert [ref.quiz for ref in shown] == [ref.quiz for ref in loaded]
    assert all(ref.quiz is each.quiz for ref, each in zip(shown, loaded, strict=True))


def test_a_page_reads_blocks_loading_did_not_make_quizzes_of(
    course_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown, loaded, read_again = shown_assessments(
        course_dir, "02-more/03-quizzes.md", monkeypatch, drop_quizzes=True
    )
    assert read_again == ["02-more/03-quizzes.md"]
    assert shown == loaded  # read again, the same quizzes


REACHING_OUT = {
    "nothing": "::: question single id=q\nWhich?\n\n- [ ] x\n- [x] y\n:::\n\n## After\n",
    "a heading": "::: question single id=q\n## After\n\nWhich?\n\n- [ ] x\n- [x] y\n:::\n\n## After\n",
    "a setext heading": "::: question single id=q\nAfter\n---\n\n- [ ] x\n- [x] y\n:::\n\n## After\n",
    "a link reference": "See [the spec][s].\n\n::: question single id=q\nWhich?\n\n"
    "- [ ] x\n- [x] y\n\n[s]: https://example.org/spec\n:::\n",
    "a footnote": "Body[^a].\n\n::: question single id=q\nWhy?\n\n- [ ] x\n- [x] y\n\n"
    "[^a]: A note kept in the question.\n:::\n",
    "a footnote reference": "::: question single id=q\nWhy[^b]?\n\n- [ ] x\n- [x] y\n:::\n\n"
    "Body[^a] and[^b].\n\n[^a]: A.\n\n[^b]: B.\n",
}


@pytest.mark.parametrize("inside", list(REACHING_OUT))
def test_a_page_parses_a_blocks_inside_again_only_when_it_could_change_the_page(
    course_dir: Path, monkeypatch: pytest.MonkeyPatch, inside: str
) -> None:
    """A block's inside is left unparsed by its page (loading read it) unless it holds
    what could change the page around it; either way, the page is the one a full parse
    gives."""
    body = REACHING_OUT[inside]
    decided: list[bool] = []
    reaches_out = assessment._inside_reaches_out

    def noted(*arguments: Any) -> bool:
        decided.append(reaches_out(*arguments))
        return decided[-1]

    monkeypatch.setattr(assessment, "_inside_reaches_out", noted)
    page, problems, _ = render(course_dir, "02-more/04-inside.md", body, question_texts)
    assert problems == []
    assert decided == [inside != "nothing"]
    monkeypatch.setattr(assessment, "_inside_reaches_out", lambda *arguments: True)
    assert render(course_dir, "02-more/04-inside.md", body, question_texts)[0] == page
