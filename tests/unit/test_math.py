"""$…$ and $$…$$: MathML at build time, prices left alone, hostile TeX refused, errors located."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from builder.cli import main
from builder.errors import Reporter
from builder.i18n import lesson_segments, markup_of
from builder.markdown import Localiser, make_markdown
from builder.mathml import MATHML_NAMESPACE, MathError, tex_to_mathml
from builder.sources import load_course
from tests.support import REPO, copy_root
from tests.unit.test_markdown import render as render_lesson_at


def render(
    course_dir: Path, body: str, localiser: Localiser | None = None
) -> tuple[str, list[str]]:
    """Render ``body`` as a lesson of the course: its HTML and every problem reported."""
    html, problems, _ = render_lesson_at(course_dir, "02-more/02-math.md", body, None, localiser)
    return html, problems


@pytest.fixture
def course_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return copy_root("minimal", tmp_path / "courses")


def test_inline_math_is_mathml_with_its_tex_as_alttext(course_dir: Path) -> None:
    html, problems = render(course_dir, "Euler: $e^{i\\pi} + 1 = 0$, always.\n")
    assert problems == []
    assert html == (
        f'<p>Euler: <math xmlns="{MATHML_NAMESPACE}" dir="ltr" alttext="e^{{i\\pi}} + 1 = 0">'
        "<mrow><msup><mi>e</mi><mrow><mi>i</mi><mi>π</mi></mrow></msup><mo>+</mo><mn>1</mn>"
        "<mo>=</mo><mn>0</mn></mrow></math>, always.</p>\n"
    )


def test_display_math_is_a_block_of_its_own(course_dir: Path) -> None:
    html, problems = render(
        course_dir, "The sum:\n\n$$\n\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\n$$\n\nDone.\n"
    )
    assert problems == []
    assert html.startswith("<p>The sum:</p>\n<math ")
    assert f'<math xmlns="{MATHML_NAMESPACE}" display="block" dir="ltr" ' in html
    assert 'alttext="\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}"' in html
    assert "<mfrac>" in html and "</math>\n<p>Done.</p>" in html


def test_double_dollars_inside_a_paragraph_display_the_formula(course_dir: Path) -> None:
    html, problems = render(course_dir, "So $$x^2$$ it is.\n")
    assert problems == []
    assert '<p>So <math xmlns="' in html and 'display="block"' in html


def test_alttext_is_escaped_and_on_one_line(course_dir: Path) -> None:
    html, problems = render(course_dir, '$$\na < b\n\\quad \\text{"b" > a}\n$$\n')
    assert problems == []
    assert 'alttext="a &lt; b \\quad \\text{&quot;b&quot; &gt; a}"' in html


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10.",
        "From $5-$10 each.",
        "The firm was fined US$5,000.",
        "About US$25 million, then $3.",
        "Pay $ 5 or $ 10.",
        "Write \\$x\\$ for dollars.",
        "Prices: $5, $10, $20 and $30.",
        "`echo $HOME $PATH` in code.",
    ],
)
def test_prices_and_code_are_not_math(text: str) -> None:
    tokens = make_markdown().parseInline(text, {})[0].children or []
    assert [token.type for token in tokens if token.type.startswith("math")] == []
    assert "<math" not in make_markdown().render(text)


def _math_tokens(text: str) -> list[str]:
    found: list[str] = []
    for token in make_markdown().parse(text, {}):
        for child in [token, *(token.children or [])]:
            if child.type.startswith("math"):
                found.append(child.content)
    return found


WRITTEN_BEFORE_MATH = (
    "blockchain-foundations",
    "ai-ethics-and-safety",
    "ai-soft-skills-for-educators",
)
"""The courses written before formulas existed; the LLaMA course uses them on purpose."""


def test_no_course_written_before_math_holds_math() -> None:
    """Those courses render exactly as before: none of their dollars makes a formula."""
    texts = []
    for course in WRITTEN_BEFORE_MATH:
        sources = [p for p in (REPO / "courses" / course).rglob("*") if p.suffix in (".md", ".yml")]
        assert sources
        texts += [p.read_text(encoding="utf-8") for p in sources]
        texts += [p.read_text(encoding="utf-8") for p in (REPO / "locales").rglob(f"{course}.po*")]
    assert [text for text in texts if _math_tokens(text)] == []


def test_math_is_kept_whole_in_a_right_to_left_translation(course_dir: Path) -> None:
    source = "The hash $H(m)$ of a message $m$ is fixed."
    translated = "پیغام $m$ کا ہیش $H(m)$ SHA-256 سے طے ہے۔"
    localiser = Localiser({source: translated}, "en", "ltr", target_dir="rtl")
    html, problems = render(course_dir, source + "\n", localiser)
    assert problems == []
    assert html.count('dir="ltr" alttext="H(m)">') == 1
    assert html.count('dir="ltr" alttext="m">') == 1
    assert '<bdi dir="ltr">SHA-256</bdi>' in html  # Latin words are still isolated
    for math in html.split("<math")[1:]:
        assert "<bdi" not in math.split("</math>")[0]


HOSTILE = [
    "\\text{<script>alert(1)</script>}",
    "\\mathrm{<img src=x onerror=alert(1)>}",
    "\\unicode{x3c}script\\unicode{x3e}",
    "\\operatorname{</math><script>}",
    "\\verb|<iframe>|",
]


@pytest.mark.parametrize("tex", HOSTILE)
def test_hostile_text_stays_text(tex: str) -> None:
    mathml = tex_to_mathml(tex, False)
    root = ElementTree.fromstring(mathml)  # well-formed: nothing escaped its element
    tags = {element.tag.removeprefix(f"{{{MATHML_NAMESPACE}}}") for element in root.iter()}
    assert tags <= {"math", "mrow", "mi", "mo", "mn", "mtext", "mstyle"}
    for element in root.iter():
        assert set(element.attrib) <= {"dir", "alttext", "display", "mathvariant", "stretchy"}
    assert "<script" not in mathml and "<img" not in mathml and "<iframe" not in mathml


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        ("\\href{javascript:alert(1)}{x}", "\\href is not allowed in a formula"),
        (
            "\\style{background:url(https://evil.example/)}{x}",
            "\\style is not allowed in a formula",
        ),
        ("\\class{sabaq-quiz}{x}", "\\class is not allowed in a formula"),
        ("\\def\\a{\\b\\b}\\def\\b{\\a\\a}\\a", "\\def defines a macro, which lessons cannot use"),
        ("\\newcommand{\\x}{y}\\x", "\\newcommand defines a macro, which lessons cannot use"),
        ("{" * 5000 + "x" + "}" * 5000, "the formula is nested too deeply"),
    ],
)
def test_hostile_commands_are_refused(tex: str, message: str) -> None:
    with pytest.raises(MathError) as raised:
        tex_to_mathml(tex, True)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        ("\\frac{a}{b", "a '{' is never closed"),
        ("a}", "a '}' closes no '{'"),
        ("\\fracc{a}{b}", "unknown command \\fracc"),
        ("\\left( x", "a \\left has no matching \\right"),
        ("x^", "'^' or '_' has nothing after it"),
        ("\\sqrt", "the formula ends before a command has all its arguments"),
        ("\\begin{tabular} x \\end{tabular}", "unknown environment 'tabular'"),
    ],
)
def test_mistakes_say_what_is_wrong(tex: str, message: str) -> None:
    with pytest.raises(MathError) as raised:
        tex_to_mathml(tex, False)
    assert raised.value.message == message
    assert raised.value.hint


def test_a_wrong_formula_is_never_shown_as_markup(course_dir: Path) -> None:
    html, problems = render(course_dir, "See $\\text{<b>}\\foo$.\n")
    assert problems == [
        "courses/minimal/02-more/02-math.md:4: error: formula '\\text{<b>}\\foo': "
        "unknown command \\foo\n"
        "  hint: check its spelling; write \\$ for a dollar sign, \\backslash for a backslash"
    ]
    assert "<b>" not in html and "&lt;b&gt;" in html


def sabaq(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def test_formula_errors_are_located_and_nothing_is_written(course_dir: Path) -> None:
    (course_dir / "02-more" / "02-math.md").write_text(
        "---\ntitle: Formulas\n---\n## Fractions\n\nHalf: $\\frac{1}{2$ and\n"
        "a third: $\\thrid$.\n\n$$\n\\left( x\n$$\n\n"
        "::: question single\nWhich is $\\sqrt{4$?\n\n- [x] $2$\n- [ ] $\\foo$\n:::\n",
        encoding="utf-8",
    )
    code, stderr = sabaq("build", "-q")
    assert code == 1
    assert stderr == (
        "courses/minimal/02-more/02-math.md:6: error: formula '\\frac{1}{2': a '{' is never closed\n"
        "  hint: add the missing '}', or write \\{ for a brace shown as is\n"
        "courses/minimal/02-more/02-math.md:7: error: formula '\\thrid': unknown command \\thrid\n"
        "  hint: check its spelling; write \\$ for a dollar sign, \\backslash for a backslash\n"
        "courses/minimal/02-more/02-math.md:9: error: formula '\\left( x': a \\left has no "
        "matching \\right\n"
        "  hint: close every \\left( with a \\right) (\\right. closes with nothing shown)\n"
        "courses/minimal/02-more/02-math.md:14: error: formula '\\sqrt{4': a '{' is never closed\n"
        "  hint: add the missing '}', or write \\{ for a brace shown as is\n"
        "courses/minimal/02-more/02-math.md:17: error: formula '\\foo': unknown command \\foo\n"
        "  hint: check its spelling; write \\$ for a dollar sign, \\backslash for a backslash\n"
        "build failed: 5 error(s); nothing was written\n"
    )
    assert not (course_dir.parent.parent / "dist").exists()


def test_a_course_with_math_builds(course_dir: Path) -> None:
    (course_dir / "02-more" / "02-math.md").write_text(
        "---\ntitle: Formulas\n---\nA hash $H(x)$ and $$\\sum_i x_i$$.\n", encoding="utf-8"
    )
    code, stderr = sabaq("build", "-q", "--format", "website")
    assert code == 0, stderr


def test_formulas_are_not_offered_for_translation_alone(course_dir: Path) -> None:
    render(course_dir, "$$\nE = mc^2\n$$\n\n$x^2$\n\nThe energy $E$ of a mass.\n")
    course = load_course(course_dir, Reporter())
    assert course is not None
    lesson = course.lesson_by_relpath("02-more/02-math.md")
    assert lesson is not None
    texts = [segment.text for segment in lesson_segments(lesson, course_dir)]
    assert texts == ["Test", "The energy $E$ of a mass."]


def test_a_translation_must_keep_its_formulas() -> None:
    assert markup_of("The energy $E = mc^2$ of `m`.").math == {"E = mc^2": 1}
    assert markup_of("توانائی $E = mc^2$").math == markup_of("The energy $E = mc^2$").math
    assert markup_of("توانائی $E = mc^3$").math != markup_of("The energy $E = mc^2$").math
