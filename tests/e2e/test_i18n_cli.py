"""The translator's workflow through `sabaq i18n`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import copy_root, sabaq


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    copy_root("minimal", tmp_path / "courses")
    return tmp_path


def translate(path: Path, msgid: str, msgstr: str) -> None:
    text = path.read_text(encoding="utf-8")
    old = f'msgid "{msgid}"\nmsgstr ""\n'
    assert old in text
    path.write_text(text.replace(old, f'msgid "{msgid}"\nmsgstr "{msgstr}"\n'), encoding="utf-8")


def test_extract_init_translate_update_stats_check(project: Path) -> None:
    result = sabaq("i18n", "extract")
    assert result.exit_code == 0
    assert (
        result.stdout
        == "locales/templates/minimal.pot  updated\nlocales/templates/sabaq.pot  updated\n"
    )
    assert sabaq("i18n", "extract").stdout.count("unchanged") == 2

    assert sabaq("i18n", "init", "ur").stdout == (
        "locales/ur/LC_MESSAGES/minimal.po  created\nlocales/ur/LC_MESSAGES/sabaq.po  created\n"
    )
    again = sabaq("i18n", "init", "ur")
    assert "already exists and was left as it is" in again.stderr

    catalog = project / "locales" / "ur" / "LC_MESSAGES" / "minimal.po"
    translate(catalog, "Welcome", "خوش آمدید")
    translate(catalog, "Take notes.", "نوٹس لیں۔")
    stats = json.loads(sabaq("i18n", "stats", "--json").stdout)
    minimal = next(row for row in stats if row["domain"] == "minimal")
    assert (minimal["translated"], minimal["fuzzy"]) == (2, 0)

    lesson = project / "courses" / "minimal" / "01-basics" / "01-welcome.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace("Take notes.", "Take good notes."),
        encoding="utf-8",
    )
    update = sabaq("i18n", "update")
    assert "locales/ur/LC_MESSAGES/minimal.po  22 kept, 1 fuzzy, 0 new, 0 obsolete" in update.stdout
    text = catalog.read_text(encoding="utf-8")
    assert '#, fuzzy\n#| msgid "Take notes."\nmsgid "Take good notes."\nmsgstr "نوٹس لیں۔"' in text

    table = sabaq("i18n", "stats").stdout.splitlines()
    assert table[0].split() == [
        "language",
        "catalog",
        "translated",
        "fuzzy",
        "untranslated",
        "done",
    ]
    assert table[1].split()[:4] == ["ur", "minimal", "1", "1"]

    checked = sabaq("i18n", "check")
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "2 catalog(s) checked, no problems\n"


def test_check_fails_on_a_broken_translation(project: Path) -> None:
    sabaq("i18n", "init", "ur")
    catalog = project / "locales" / "ur" / "LC_MESSAGES" / "minimal.po"
    translate(
        catalog, "Visit [Sabaq](https://example.org/).", "[سبق](https://evil.example/) دیکھیں۔"
    )
    result = sabaq("i18n", "check")
    assert result.exit_code == 1
    line = (
        catalog.read_text(encoding="utf-8")
        .splitlines()
        .index('msgid "Visit [Sabaq](https://example.org/)."')
        + 1
    )
    assert result.stderr.startswith(
        f"locales/ur/LC_MESSAGES/minimal.po:{line}: error: the translation's links differ from the source: "
        "'https://example.org/' → 'https://evil.example/'"
    )
