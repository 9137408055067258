"""`sabaq preview`: the author sees the course and what it records, rebuilt on save."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from builder.preview import PreviewServer


def value_of(page: Page, key: str) -> str:
    row = page.locator("#values tr").filter(has=page.locator("th", has_text=key))
    return row.locator("td").inner_text()


def test_preview_shows_the_course_and_its_tracking_then_rebuilds(
    browser: Browser, preview_server: tuple[PreviewServer, Path]
) -> None:
    server, course = preview_server
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url)
        lesson = page.frame_locator("#course").frame_locator("#sabaq-frame")
        expect(lesson.locator("h1")).to_have_text("Welcome")
        expect(page.locator("#values")).to_contain_text("cmi.core.lesson_location")
        assert value_of(page, "cmi.core.lesson_location") == "basics/welcome"
        assert value_of(page, "cmi.core.lesson_status") == "incomplete"

        lesson_file = course / "01-basics" / "01-welcome.md"
        lesson_file.write_text(
            lesson_file.read_text(encoding="utf-8").replace(
                "title: Welcome", "title: Welcome back"
            ),
            encoding="utf-8",
        )
        expect(lesson.locator("h1")).to_have_text("Welcome back", timeout=10_000)

        # A mistake shows in the page with its file and line; the last good build stays.
        lesson_file.write_text("---\ntitle: Broken\n---\n![](nowhere.png)\n", encoding="utf-8")
        expect(page.locator("#errors")).to_contain_text(
            "01-welcome.md:4: error: image 'nowhere.png' has no alt text", timeout=10_000
        )
        expect(lesson.locator("h1")).to_have_text("Welcome back")
    finally:
        context.close()
