"""Right-to-left lessons as learners see them, compared with reviewed screenshots.

Each language's page is built from translators' catalogs with its packaged font and
photographed in Chromium; a change in layout, font or bidi handling shows up as a
difference from the approved image in tests/golden/screenshots/ (regenerate with
--update-golden, then look at every image before committing it).
"""

from __future__ import annotations

import shutil
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Browser

from builder.build import build
from tests.support import GOLDEN, REPO, ROOTS

LANGUAGES = ["ur", "pa-Arab", "sd", "ps"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rtl-locales"
CHANGED_PIXELS_ALLOWED = 0.005
"""Anti-aliasing may differ in a few pixels; a layout or font change differs in thousands."""

LATIN_READS_LEFT_TO_RIGHT = """() => Array.from(document.querySelectorAll('article bdi')).map(bdi => {
    const text = bdi.firstChild;
    const xs = [];
    for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        xs.push(range.getBoundingClientRect().x);
    }
    return [text.data, xs.every((x, i) => i === 0 || x > xs[i - 1])];
})"""


@pytest.fixture(scope="module")
def websites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOTS / "rtl", project / "courses" / "rtl")
    for lang in LANGUAGES:
        target = project / "locales" / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(FIXTURES / lang / "LC_MESSAGES" / "rtl.po", target / "rtl.po")
        shutil.copy(REPO / "locales" / lang / "LC_MESSAGES" / "sabaq.po", target / "sabaq.po")
    result = build(
        [project / "courses" / "rtl"], project / "dist", ["website"], languages=LANGUAGES
    )
    assert result.warnings == []
    return {package.lang: package.folder for package in result.packages if package.folder}


def photograph(browser: Browser, page_file: Path) -> tuple[Image.Image, list[list[object]]]:
    """The page as a learner sees it, and each isolated Latin run with whether it reads
    left to right on screen (the bidi algorithm scrambles C++ and /etc/hosts without it)."""
    context = browser.new_context(viewport={"width": 900, "height": 1100}, device_scale_factor=1)
    page = context.new_page()
    try:
        page.goto(page_file.as_uri())
        page.evaluate("document.fonts.ready")
        shot = page.screenshot(full_page=False)
        runs = page.evaluate(LATIN_READS_LEFT_TO_RIGHT)
    finally:
        context.close()
    return Image.open(BytesIO(shot)).convert("RGB"), runs


def changed_fraction(one: Image.Image, two: Image.Image) -> float:
    if one.size != two.size:
        return 1.0
    difference = (
        ImageChops.difference(one, two).convert("L").point(lambda value: 255 if value > 40 else 0)
    )
    histogram = difference.histogram()
    return histogram[255] / (one.size[0] * one.size[1])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lesson_matches_the_approved_screenshot(
    browser: Browser, websites: dict[str, Path], lang: str, update_golden: bool
) -> None:
    page_file = websites[lang] / "content" / "01-basics" / "01-terminal.html"
    html = page_file.read_text(encoding="utf-8")
    digits = {
        "ur": "",
        "pa-Arab": ' data-digits="arabext"',
        "sd": ' data-digits="arab"',
        "ps": ' data-digits="arabext"',
    }
    assert f'<html lang="{lang}" dir="rtl"{digits[lang]}>' in html
    assert '<bdi dir="ltr">C++</bdi>' in html and '<bdi dir="ltr">/etc/hosts</bdi>' in html
    assert '<code dir="ltr">gcc --version</code>' in html
    assert (websites[lang] / "_sabaq" / "fonts" / "fonts.css").is_file()
    shot, runs = photograph(browser, page_file)
    assert runs == [[run, True] for run in ("C++", "/etc/hosts", "Tab", "--help", "--version")]
    approved = GOLDEN / "screenshots" / f"{lang}.png"
    if update_golden:
        approved.parent.mkdir(parents=True, exist_ok=True)
        shot.save(approved, optimize=True)
    assert changed_fraction(shot, Image.open(approved).convert("RGB")) <= CHANGED_PIXELS_ALLOWED
