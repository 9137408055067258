"""Fixtures for the browser tests: one Chromium per session, one LMS page per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.sync_api import Browser, Frame, Playwright, sync_playwright

from .harness import Lms12, Lms2004, launch_chromium
from .lrs import Cmi5Lms, Lrs

LmsT = TypeVar("LmsT", Lms12, Lms2004)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API driver, started once per test session."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's /usr/bin/chromium, headless (fails, never skips, if it is missing)."""
    chromium = launch_chromium(playwright)
    yield chromium
    chromium.close()


def _fresh_lms(browser: Browser, lms_class: type[LmsT]) -> Iterator[LmsT]:
    """A test LMS of ``lms_class`` in a fresh browser context (empty localStorage)."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    try:
        with lms_class(context.new_page()) as lms:
            yield lms
    finally:
        context.close()


@pytest.fixture
def lms12(browser: Browser) -> Iterator[Lms12]:
    """The test SCORM 1.2 LMS."""
    yield from _fresh_lms(browser, Lms12)


@pytest.fixture
def lms2004(browser: Browser) -> Iterator[Lms2004]:
    """The test SCORM 2004 LMS."""
    yield from _fresh_lms(browser, Lms2004)


@pytest.fixture
def cmi5_lms(browser: Browser, tmp_path: Path) -> Iterator[Cmi5Lms]:
    """A fresh browser context and a test LMS with its LRS, to launch cmi5 AUs in."""
    with Lrs(tmp_path / "site") as lrs:
        context = browser.new_context()
        context.set_default_timeout(10_000)
        try:
            yield Cmi5Lms(context.new_page(), lrs)
        finally:
            context.close()


@pytest.fixture
def browser_page_without_lms(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Frame, list[str]]]:
    """A built package's player opened straight from a local server, with no LMS around it."""
    from builder.build import build
    from tests.support import ROOTS

    from .harness import install_package, serve_directory

    site = tmp_path_factory.mktemp("site")
    package = (
        build([ROOTS / "minimal"], tmp_path_factory.mktemp("dist"), ["scorm12"]).packages[0].path
    )
    install_package(site, package)
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with serve_directory(site) as base:
            page.goto(f"{base}/pkg/index.html")
            yield page.main_frame, errors
    finally:
        context.close()
