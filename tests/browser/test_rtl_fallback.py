"""Quiz text left in English inside an Urdu page, as Chromium draws it.

Untranslated text keeps its own language and direction; it must read left to right
as a whole and be drawn in the Latin fonts, not in the Nastaliq the page inherits.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from tests.partly_translated import partly_translated_lesson

HOW_EACH_LANGUAGE_IS_DRAWN = """() => Array.from(
    document.querySelectorAll('form.quiz [lang="en"], article > p:not([lang])')
).map(element => {
    const style = getComputedStyle(element);
    return [element.getAttribute('lang') || 'ur', style.direction, style.fontFamily.split(',')[0]];
})"""

READS_LEFT_TO_RIGHT = """() => {
    const prompt = document.querySelector('[data-question="flag"] .question-prompt p[lang="en"]');
    const text = prompt.firstChild;
    const xs = [];
    for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        xs.push(range.getBoundingClientRect().x);
    }
    return [text.data, xs.every((x, i) => i === 0 || x > xs[i - 1])];
}"""


def test_untranslated_quiz_text_reads_left_to_right_in_latin_fonts(
    browser: Browser, tmp_path: Path
) -> None:
    lesson = partly_translated_lesson(tmp_path)
    context = browser.new_context(viewport={"width": 900, "height": 1100})
    try:
        page = context.new_page()
        page.goto(lesson.as_uri())
        page.evaluate("document.fonts.ready")
        drawn = page.evaluate(HOW_EACH_LANGUAGE_IS_DRAWN)
        prompt = page.evaluate(READS_LEFT_TO_RIGHT)
    finally:
        context.close()
    assert {tuple(element) for element in drawn} == {
        ("en", "ltr", "system-ui"),
        ("ur", "rtl", '"Noto Nastaliq Urdu"'),
    }
    assert prompt == ["Which flag of ", True]
