"""A language on the command line names folders and files: only a language tag may.

``--lang ../../x`` once read catalogs from, and wrote packages and catalogs to, places
outside ``locales/`` and ``dist/``. Every command refuses it as a usage error (exit 2)
before it reads or writes anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builder import i18n
from builder.errors import Reporter, UsageError
from builder.plan import plan_packages
from builder.preview import PreviewState
from tests.support import copy_root, sabaq

NOT_TAGS = ["../../x", "../x", "ur/../../x", "/tmp/x", "ur\n", "", "u", "ur_PK", "ur-"]
"""Path escapes, an absolute path, a trailing newline, and tags that are merely wrong."""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The minimal course in ``tmp_path/work``: anything escaping would land in ``tmp_path``."""
    work = tmp_path / "work"
    copy_root("minimal", work / "courses")
    monkeypatch.chdir(work)
    assert sabaq("i18n", "init", "ur").exit_code == 0
    return work


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def refused(tag: str, option: str) -> str:
    return (
        f"Error: Invalid value for '{option}': {tag!r} is not a language tag such as en, ur "
        "or pa-Arab (2 or 3 letters, then parts of letters and digits joined by hyphens)\n"
    )


COMMANDS = {
    "build": (["build", "--lang"], "--lang"),
    "preview": (["preview", "courses/minimal", "--lang"], "--lang"),
    "i18n init": (["i18n", "init"], "LANGUAGE"),
    "i18n update": (["i18n", "update", "--lang"], "--lang"),
    "i18n stats": (["i18n", "stats", "--lang"], "--lang"),
    "i18n check": (["i18n", "check", "--lang"], "--lang"),
    "new": (["new", "escaped", "--language"], "--language"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("tag", NOT_TAGS)
def test_a_language_that_is_not_a_tag_is_a_usage_error(
    command: str, tag: str, project: Path
) -> None:
    before = files_under(project.parent)
    args, option = COMMANDS[command]
    result = sabaq(*args, tag)
    assert result.exit_code == 2
    assert result.stderr.endswith(refused(tag, option))
    assert "Traceback" not in result.output
    assert files_under(project.parent) == before  # nothing read into a package, nothing written


def test_language_tags_still_work(project: Path) -> None:
    assert sabaq("i18n", "init", "pa-Arab").exit_code == 0
    assert (project / "locales" / "pa-Arab" / "LC_MESSAGES" / "minimal.po").is_file()
    assert sabaq("i18n", "stats", "--lang", "ur", "--lang", "pa-Arab").exit_code == 0


def test_the_library_refuses_them_too(project: Path) -> None:
    """What the command line checks, a caller of the library cannot get past either."""
    message = "'../x' is not a language tag such as en, ur or pa-Arab"
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        plan_packages([Path("courses/minimal")], None, Reporter(), print, ["../x"])
    with pytest.raises(UsageError):
        PreviewState(Path("courses/minimal"), "../x", None, project / "preview")
    with pytest.raises(UsageError):
        i18n.init_language([], Path("locales"), "../x", Reporter())
    with pytest.raises(UsageError):
        i18n.update_all([], Path("locales"), Reporter(), ["../x"])
    with pytest.raises(UsageError):
        i18n.stats_all(Path("locales"), Reporter(), ["../x"])
    with pytest.raises(UsageError):
        i18n.check_all(Path("locales"), Reporter(), ["../x"])
    assert not (project / "preview").exists()
