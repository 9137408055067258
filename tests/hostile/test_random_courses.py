"""Random outlines and Markdown: every course builds into valid packages or fails with
located errors, and never with a traceback.

Hypothesis writes courses from hostile pieces (control characters, lone surrogates
behind YAML escapes, anchors and aliases, huge and non-finite numbers, GIFT's special
characters, headings named like the runtime's elements, links out of the course) and
ordinary ones. Derandomised, so CI runs the same examples each time.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from builder.build import build
from builder.errors import CourseError, Level
from tests.hostile.pages import executable_markup

FORMATS = ("scorm12", "cmi5", "imscc11", "website", "questionbank")
"""A page with quiz data for an LMS and for an LRS, Common Cartridge's QTI, the
offline website and both question-bank files."""

HOSTILE_TEXT = [
    "\x00",
    "\x07",
    "\x1b[2J",
    "\x0b",
    "\x85",
    "\u2028",
    "\ufffe",
    "\r",
    "\n",
    "\n\n",
    "\t",
    "::",
    "{=a ~b}",
    "#",
    "\\",
    "\\n",
    "//",
    "$CATEGORY:",
    "<script>alert(1)</script>",
    "&amp;",
    "]]>",
    "'",
    '"',
    "*",
    "&a",
    "1e400",
    "Sabaq quizzes",
    "سبق",
    "😀",
]
SURROGATES = ["\ud800", "\udfff", "\ud83d"]

fragments = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
)
hostile_text = st.lists(fragments, max_size=4).map("".join)
hostile_yaml_text = st.lists(st.one_of(fragments, st.sampled_from(SURROGATES)), max_size=4).map(
    "".join
)
words = st.builds(
    str.__add__,
    st.characters(categories=["L"]),
    st.text(
        st.characters(categories=["L", "N", "P", "S", "Zs"], exclude_characters="\x85\xa0"),
        max_size=15,
    ),
)
"""What authors write: letters of any script, digits, punctuation (GIFT's specials too)."""
clean_numbers = st.one_of(
    st.integers(-(10**9), 10**9).map(str),
    st.sampled_from(["3.14 ± 0.01", "1 to 2", "100 ± 5%", "-0.5", "21000000", "6.02e23"]),
)
hostile_numbers = st.one_of(
    st.sampled_from(["1e400", "-1e400", "1e-400", "NaN", "inf", "1e99999999999999999999999"]),
    st.sampled_from(["9" * 400, "0", "-0", "5 ± 1e9%", "²", "1" * 5000]),
    st.floats().map(repr),
    hostile_text,
)
HOSTILE_REFERENCES = [
    "![x](../../../etc/passwd)",
    "![x](images/outside/passwd)",
    "[x](notes%00.pdf)",
    "[x](%0A.md)",
    "[x](/etc/passwd)",
]


class Pieces:
    """The parts of a course: only what an author writes, or now and then (one time in
    four) what an attacker writes instead."""

    def __init__(self, hostile: bool) -> None:
        self.hostile = hostile

    def either(
        self, clean: st.SearchStrategy[str], bad: st.SearchStrategy[str]
    ) -> st.SearchStrategy[str]:
        if not self.hostile:
            return clean
        return st.integers(0, 3).flatmap(lambda roll: bad if roll == 0 else clean)

    def text(self) -> st.SearchStrategy[str]:
        return self.either(words, hostile_text)

    def number(self, clean: st.SearchStrategy[str] = clean_numbers) -> st.SearchStrategy[str]:
        return self.either(clean, hostile_numbers)

    def yaml_value(self) -> st.SearchStrategy[str]:
        """A scalar: JSON's strings are YAML's double-quoted ones."""
        clean = st.builds(
            lambda word, ascii: json.dumps(word, ensure_ascii=ascii), words, st.booleans()
        )
        return self.either(clean, hostile_yaml_value())

    def lesson_body(self) -> st.SearchStrategy[str]:
        part = st.one_of(
            self.text(),
            st.builds("## {}".format, self.text()),
            st.sampled_from(["## Sabaq quizzes", "## sabaq-strings", "## fn1", "## ???"]),
            st.builds(_numeric, words, self.number()),
            st.builds(_short, words, self.number(st.sampled_from(["1", "2", "0.5"]))),
            st.builds(_single, self.text(), self.text()),
            st.builds(_pool, self.number(st.just("1")), self.text()),
            st.builds("![{}](../01-basics/images/square.svg)".format, words),
            *([st.sampled_from(HOSTILE_REFERENCES)] if self.hostile else []),
        )
        return st.lists(part, max_size=5).map(lambda parts: "\n\n".join(parts) + "\n")


@st.composite
def hostile_yaml_value(draw: st.DrawFn) -> str:
    value = draw(hostile_yaml_text)
    how = draw(st.sampled_from(["json", "raw", "alias", "anchor", "tag"]))
    surrogates = any(s in value for s in SURROGATES)
    if how == "raw" and not surrogates:
        return value.replace("\n", " ")
    if how == "alias":
        return "*x"
    if how == "anchor":
        return f"&x {json.dumps(value)}"
    if how == "tag":
        return f"{draw(st.sampled_from(['!!float', '!!bool', '!!binary', '!!timestamp']))} x"
    # A surrogate can reach the file only as a \u escape in an ASCII string.
    return json.dumps(value, ensure_ascii=surrogates or draw(st.booleans()))


def _numeric(prompt: str, answer: str) -> str:
    return f"::: question numeric\n{prompt}\n\nAnswer: {answer}\n:::"


def _short(prompt: str, points: str) -> str:
    return f"::: question short points={points}\n{prompt}\n\nAnswer: {prompt}\n:::"


def _single(prompt: str, right: str) -> str:
    return f"::: question single\n{prompt}\n\n- [x] {right}\n- [ ] wrong\n:::"


def _pool(pool: str, title: str) -> str:
    return (
        f"::: quiz graded pool={pool} title={json.dumps(title)}\n"
        "::: question short\nQ\n\nAnswer: a\n:::\n:::"
    )


@st.composite
def course_files(draw: st.DrawFn) -> dict[str, str]:
    """course.yml, module.yml files and lessons, by path in the course folder."""
    pieces = Pieces(hostile=draw(st.booleans()))
    duration = draw(pieces.number(st.sampled_from(["90", "1h 30m", "'45 min'"])))
    files = {
        "course.yml": f'id: random\ntitle: {draw(pieces.yaml_value())}\nversion: "1.0"\n'
        f"description: {draw(pieces.yaml_value())}\nduration: {duration}\n",
    }
    for module in range(1, draw(st.integers(1, 2)) + 1):
        folder = f"0{module}-part{module}"
        if draw(st.booleans()):
            url = draw(pieces.either(st.just('"https://example.org/"'), pieces.yaml_value()))
            files[f"{folder}/module.yml"] = (
                f"title: {draw(pieces.yaml_value())}\n"
                f"links:\n  - title: {draw(pieces.yaml_value())}\n    url: {url}\n"
            )
        for number in range(1, draw(st.integers(1, 2)) + 1):
            minutes = draw(pieces.number(st.sampled_from(["5", "2h"])))
            front = f"---\ntitle: {draw(pieces.yaml_value())}\nduration: {minutes}\n---\n"
            files[f"{folder}/0{number}-lesson{number}.md"] = front + draw(pieces.lesson_body())
    return files


def strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def check_package(path: Path) -> None:
    """Every page holds no markup that runs, and its data is JSON a browser parses."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.endswith(".html"):
                continue
            page = archive.read(name).decode("utf-8")
            assert executable_markup(page) == [], name
            for chunk in page.split('type="application/json"')[1:]:
                body = chunk.split(">", 1)[1].split("</script>", 1)[0]
                strict_json(body)


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(files=course_files())
def test_random_courses_build_or_fail_with_located_errors(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as workspace:
        root = Path(workspace) / "random"
        for relpath, content in files.items():
            path = root / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        (root / "01-basics" / "images").mkdir(parents=True)
        (root / "01-basics" / "images" / "square.svg").write_text(
            "<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8"
        )
        (root / "01-part1" / "images").mkdir(exist_ok=True)
        (root / "01-part1" / "images" / "outside").symlink_to("/etc")
        out = Path(workspace) / "dist"
        try:
            result = build([root], out, FORMATS)
        except CourseError as error:
            errors = [d for d in error.diagnostics if d.level is Level.ERROR]
            assert errors
            for diagnostic in errors:
                assert diagnostic.location is not None, diagnostic.format()
                assert diagnostic.location.path.is_relative_to(root.resolve()), diagnostic
            assert not out.exists()
            event(f"refused: {errors[0].message[:40]}")
            return
        event("built")
        for package in result.packages:
            check_package(package.path)
