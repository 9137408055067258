"""The offline website opened from disk, as a learner with a USB stick would."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from builder.build import build
from tests.support import ROOTS


@pytest.fixture(scope="module")
def website(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (package,) = build([ROOTS / "minimal"], tmp_path_factory.mktemp("dist"), ["website"]).packages
    assert package.folder is not None
    return package.folder


def test_website_opens_from_disk_and_navigates_without_network(
    browser: Browser, website: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto((website / "index.html").as_uri())
        expect(page.locator("h1")).to_have_text("Minimal course")
        page.get_by_role("link", name="Start the course").click()
        expect(page.locator("h1")).to_have_text("Welcome")
        expect(page.locator("img")).to_have_js_property("complete", True)
        assert page.locator("img").evaluate("img => img.naturalWidth") > 0
        page.locator("a[rel=next]").click()
        expect(page.locator("h1")).to_have_text("Tables and lists")
        page.locator("a[rel=next]").click()
        expect(page.locator("h1")).to_have_text("The last lesson")
        expect(page.get_by_role("link", name="Bitcoin whitepaper")).to_have_attribute(
            "target", "_blank"
        )
        page.locator("a[rel=prev]").click()
        expect(page.locator("h1")).to_have_text("Tables and lists")
        # Visits are remembered in the browser and ticked in the outline.
        expect(page.locator(".outline a.is-seen")).to_have_count(3)
        page.locator(".course-title a").click()
        expect(page.locator("h1")).to_have_text("Minimal course")
        expect(page.locator(".module-summary a.is-seen")).to_have_count(3)
    finally:
        context.close()
    assert errors == []
    assert requests and all(url.startswith("file://") for url in requests), requests
