"""Course assets that could run or fetch something are refused, at the line that does it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.assets import check_svg, localise_svg, svg_labels
from builder.cli import main
from builder.errors import Reporter
from tests.support import copy_root

DRAWING = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<defs><linearGradient id="g"/></defs>
<rect width="10" height="10" fill="url(#g)" style="fill: url(#g)"/>
<use xlink:href="#g"/>
</svg>"""


def problems(svg: bytes) -> list[str]:
    reporter = Reporter()
    check_svg(svg, Path("drawing.svg"), reporter)
    return [d.format() for d in reporter.diagnostics]


def test_a_plain_drawing_passes() -> None:
    assert problems(DRAWING) == []


@pytest.mark.parametrize(
    ("svg", "line", "what"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(1)</script></svg>',
            2,
            "holds a <script> element",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"\n onload="alert(1)"/>',
            2,  # libxml2 gives the line where the start tag ends
            "has an event handler (onload=)",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">\n<foreignObject><p>x</p></foreignObject></svg>',
            2,
            "holds a <foreignObject> element",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
            b'<image xlink:href="https://tracker.example/p.png"/></svg>',
            2,
            'refers outside itself (href="https://tracker.example/p.png")',
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">\n\n<a href="javascript:alert(1)"><text>x</text></a></svg>',
            3,
            'refers outside itself (href="javascript:alert(1)")',
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">\n<style>@import url(https://x.example/a.css);</style></svg>',
            2,
            "loads something from a <style> element",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">\n<a><set attributeName="href" to="javascript:alert(1)"/></a></svg>',
            2,
            'animates a link (<set attributeName="href">)',
        ),
    ],
)
def test_active_svg_is_refused_at_its_line(svg: bytes, line: int, what: str) -> None:
    (problem,) = problems(svg)
    assert problem.startswith(f"drawing.svg:{line}: error: the SVG {what}, which could run")


def test_entities_are_never_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
    )
    assert problems(bomb) == [
        "drawing.svg:1: error: the SVG uses the entity &b;, which could "
        "run or fetch something in the learner's browser\n  hint: remove it: "
        "packaged SVGs may hold drawing only (shapes, text, styles and "
        "references to their own #ids)"
    ]


def test_a_build_with_a_scripted_svg_fails_and_writes_nothing(tmp_path: Path) -> None:
    root = copy_root("minimal", tmp_path)
    (root / "01-basics" / "images" / "square.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg">\n<script>fetch("https://x.example")</script></svg>'
    )
    (root / "01-basics" / "page.html").write_text("<script>alert(1)</script>")
    lesson = root / "01-basics" / "01-welcome.md"
    lesson.write_text(lesson.read_text() + "\n[A page](page.html)\n")
    out = tmp_path / "dist"
    result = CliRunner().invoke(main, ["build", str(root), "-o", str(out), "-f", "website"])
    assert result.exit_code == 1
    assert "square.svg:2: error: the SVG holds a <script> element" in result.stderr
    assert (
        "page.html: error: 'page.html' would run in the learner's browser"
        in result.stderr.replace(
            "01-basics/page.html: error: '01-basics/page.html'", "page.html: error: 'page.html'"
        )
    )
    assert not out.exists() or not any(out.iterdir())


LABELLED = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60">
<title>Not shown</title>
<text x="10" y="20">  Hash function </text>
<text x="10" y="40">input <tspan font-weight="bold">256</tspan> bits long</text>
<text x="150" y="20">A</text>
</svg>
"""


def test_a_diagrams_visible_words_are_offered_to_translators() -> None:
    assert svg_labels(LABELLED) == [("Hash function", 3), ("input", 4), ("bits long", 4)]


def test_a_translated_diagram_carries_the_translation_as_text() -> None:
    messages = {"Hash function": "ہیش <b>فنکشن</b> & co", "bits long": "بٹ لمبا"}
    translated = localise_svg(LABELLED, messages)
    # The translator's markup is text; the author's spacing around the label is kept.
    assert '">  ہیش &lt;b&gt;فنکشن&lt;/b&gt; &amp; co </text>'.encode() in translated
    assert '<tspan font-weight="bold">256</tspan> بٹ لمبا'.encode() in translated
    # Each translated label takes its direction from its own words.
    assert translated.count(b'unicode-bidi="plaintext"') == 2
    assert b"<b>" not in translated
    assert svg_labels(translated)[0] == ("ہیش <b>فنکشن</b> & co", 3)


def test_an_untranslated_diagram_keeps_its_bytes() -> None:
    assert localise_svg(LABELLED, {}) is LABELLED
    assert localise_svg(b"<svg", {"x": "y"}) == b"<svg"
