"""Course assets that could run or fetch something are refused, at the line that does it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from builder import assets
from builder.assets import ImageSize, check_svg, image_size, localise_svg, svg_labels
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


def _png(width: int, height: int) -> bytes:
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + header + b"\x00" * 4


def _jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc2\x00\x11\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return b"\xff\xd8" + app0 + frame + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"


@pytest.mark.parametrize(
    ("data", "suffix", "size"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40px"/>',
            ".svg",
            ImageSize(120, 40),
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640.4 300"/>',
            ".SVG",
            ImageSize(640, 300, fluid=True),
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="50%" viewBox="0,0,8,4"/>',
            ".svg",
            ImageSize(8, 4, fluid=True),
        ),
        (_png(800, 450), ".png", ImageSize(800, 450)),
        (b"GIF89a\x40\x01\xf0\x00" + b"\x00" * 8, ".gif", ImageSize(320, 240)),
        (_jpeg(1024, 768), ".jpg", ImageSize(1024, 768)),
    ],
)
def test_pages_know_each_images_size(data: bytes, suffix: str, size: ImageSize) -> None:
    """Pages keep an image's room while it loads, so nothing moves under a learner's tap."""
    assert image_size(data, suffix) == size


@pytest.mark.parametrize(
    ("data", "suffix"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10em" height="2em"/>', ".svg"),
        (b"<svg", ".svg"),
        (b"\x89PNG\r\n\x1a\n", ".png"),
        (_png(0, 10), ".png"),
        (b"\xff\xd8\xff\xe0\x00", ".jpg"),
        (b"RIFF....WEBP", ".webp"),
        (b"%PDF-1.7", ".pdf"),
    ],
)
def test_an_image_of_unknown_size_is_left_to_the_browser(data: bytes, suffix: str) -> None:
    assert image_size(data, suffix) is None


def test_svg_findings_are_remembered_only_for_figures_of_a_figure_s_size() -> None:
    """Every package of a build checks the same figures; a hostile package's large
    files must not stay in memory."""
    small = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    large = small.replace(
        b"<script>", b"<g>" + b" " * assets._SVG_REMEMBERED_BYTES + b"</g><script>"
    )
    assets._remembered_svg_findings.cache_clear()
    first = assets.svg_findings(small)
    assert assets.svg_findings(small) is first and first[0].value == "script"
    assert [f.value for f in assets.svg_findings(large)] == ["script"]
    assert assets._remembered_svg_findings.cache_info().currsize == 1
