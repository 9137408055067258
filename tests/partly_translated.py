"""An Urdu website of the ``rtl`` scenario course whose new questions are partly translated.

Shared by the end-to-end test (the HTML) and the browser test (how Chromium draws it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from builder.build import build
from tests.support import REPO, ROOTS

RTL_LOCALES = Path(__file__).resolve().parent / "fixtures" / "rtl-locales"

# Only "--version" and "Open a terminal" are in the Urdu catalog; the rest stays English.
QUESTIONS = """
::: question single id=flag
Which flag of `gcc` prints the version, e.g. for C++?

- [ ] The --help flag
  > That flag lists the options.
- [x] --version

Hint: Look in /etc/hosts first.
:::

::: question ordering id=steps
Put the steps in order.

1. Open a terminal
2. Run gcc --version
:::
"""


def partly_translated_lesson(project: Path) -> Path:
    """Build the Urdu website under ``project``; the lesson page holding the questions."""
    course = project / "courses" / "rtl"
    shutil.copytree(ROOTS / "rtl", course)
    lesson = course / "01-basics" / "01-terminal.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + QUESTIONS, encoding="utf-8")
    catalogs = project / "locales" / "ur" / "LC_MESSAGES"
    catalogs.mkdir(parents=True)
    shutil.copy(RTL_LOCALES / "ur" / "LC_MESSAGES" / "rtl.po", catalogs / "rtl.po")
    shutil.copy(REPO / "locales" / "ur" / "LC_MESSAGES" / "sabaq.po", catalogs / "sabaq.po")
    result = build([course], project / "dist", ["website"], languages=["ur"])
    (package,) = result.packages
    assert package.folder is not None
    return package.folder / "content" / "01-basics" / "01-terminal.html"
