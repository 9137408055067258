"""One package in several languages: it opens in the learner's LMS language and keeps
progress when the learner switches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from builder.build import build
from tests.support import ROOTS, schema_problems, zip_names

from .harness import Lms12, lesson_frame

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rtl-locales"
REPO_LOCALES = Path(__file__).resolve().parents[2] / "locales"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("project")
    course = project / "courses" / "rtl"
    shutil.copytree(ROOTS / "rtl", course)
    config = course / "course.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("formats: [website]", "formats: [scorm12]")
        + "multilingual: true\n",
        encoding="utf-8",
    )
    for lang in ("ur", "sd"):
        target = project / "locales" / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(FIXTURES / lang / "LC_MESSAGES" / "rtl.po", target / "rtl.po")
        shutil.copy(REPO_LOCALES / lang / "LC_MESSAGES" / "sabaq.po", target / "sabaq.po")
    result = build([course], project / "dist", languages=["en", "ur", "sd"])
    names = [p.path.name for p in result.packages]
    assert "rtl-1.0-mul-scorm12.zip" in names
    return next(p.path for p in result.packages if p.lang == "mul")


def test_the_package_holds_every_language(package: Path) -> None:
    names = zip_names(package)
    for lang in ("en", "ur", "sd"):
        assert f"{lang}/content/01-basics/01-terminal.html" in names
    assert "ur/_sabaq/fonts/fonts.css" in names
    assert schema_problems(package) == []


def test_opens_in_the_lms_language_and_switches_keeping_progress(
    browser: Browser, package: Path
) -> None:
    context = browser.new_context()
    try:
        with Lms12(context.new_page(), language="ur") as lms:
            sco = lms.open(package)
            page = lesson_frame(sco, "basics/terminal")
            expect(page.locator("html")).to_have_attribute("lang", "ur")
            switcher = page.locator(".language-switcher")
            expect(switcher.get_by_role("button")).to_have_count(3)
            expect(switcher.locator('button[lang="ur"]')).to_have_attribute("aria-pressed", "true")
            page.locator('fieldset[data-question="check-version"] input[value="b"]').check()
            switcher.locator('button[lang="sd"]').click()
            page = lesson_frame(sco, "basics/terminal")
            expect(page.locator("html")).to_have_attribute("lang", "sd")
            lms.wait_for_call("LMSSetValue", "cmi.suspend_data", count=2)
            assert json.loads(lms.get("cmi.suspend_data"))["lang"] == "sd"
            assert lms.get("cmi.core.lesson_status") == "completed"  # the one lesson was seen
            # The choice is remembered: the next launch opens in Sindhi, whatever the LMS prefers.
            sco = lms.reload()
            expect(lesson_frame(sco, "basics/terminal").locator("html")).to_have_attribute(
                "lang", "sd"
            )
            assert lms.page_errors == []
    finally:
        context.close()
