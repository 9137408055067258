"""The pages learners read, checked with axe-core against WCAG 2.1 A and AA.

axe-core is the accessibility engine browsers' own audit tools use; here it runs in
Chromium on real built pages — a lesson with code, tables and callouts, the course
overview, a quiz after it was answered, and an Urdu page laid out right to left.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from builder.build import build
from tests.support import REPO, ROOTS

from .harness import node_modules_dir

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rtl-locales"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def websites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    found: dict[str, Path] = {}
    for root in ("minimal", "certification"):
        (package,) = build([ROOTS / root], out, ["website"]).packages
        assert package.folder is not None
        found[root] = package.folder
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOTS / "rtl", project / "courses" / "rtl")
    target = project / "locales" / "ur" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(FIXTURES / "ur" / "LC_MESSAGES" / "rtl.po", target / "rtl.po")
    shutil.copy(REPO / "locales" / "ur" / "LC_MESSAGES" / "sabaq.po", target / "sabaq.po")
    (urdu,) = build(
        [project / "courses" / "rtl"], project / "dist", ["website"], languages=["ur"]
    ).packages
    assert urdu.folder is not None
    found["rtl-ur"] = urdu.folder
    return found


def violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(node_modules_dir() / "axe-core" / "axe.min.js"))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in results["violations"]
    ]


PAGES = [
    ("minimal", "content/01-basics/01-welcome.html"),
    ("minimal", "content/01-basics/02-tables.html"),
    ("minimal", "index.html"),
    ("certification", "content/01-basics/02-quiz.html"),
    ("rtl-ur", "content/01-basics/01-terminal.html"),
]


@pytest.mark.parametrize(("site", "page_path"), PAGES)
def test_page_has_no_wcag_violations(
    browser: Browser, websites: dict[str, Path], site: str, page_path: str
) -> None:
    # The pages forbid inline script (their Content-Security-Policy); axe is the test's own.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto((websites[site] / page_path).as_uri())
        assert violations(page) == []
    finally:
        context.close()


def test_an_answered_quiz_has_no_wcag_violations(
    browser: Browser, websites: dict[str, Path]
) -> None:
    # The pages forbid inline script (their Content-Security-Policy); axe is the test's own.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto((websites["certification"] / "content/01-basics/02-quiz.html").as_uri())
        page.locator('fieldset[data-question="mq-hash"] input[value="a"]').check()
        page.locator('fieldset[data-question="mq-consensus"] input[value="a"]').check()
        page.locator('fieldset[data-question="mq-unit"] input').fill("bitcoin")
        page.locator(".submit-quiz").click()
        page.locator(".quiz-result").filter(has_text="You scored").wait_for()
        assert violations(page) == []
    finally:
        context.close()
