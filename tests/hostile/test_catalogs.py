"""Hostile and careless translation catalogs: a located error, or a page where nothing runs.

Every slip a translator can make in a catalog is, in every command that reads
catalogs, one error naming the file, the line, what is wrong and how to fix it, with
exit code 1, no traceback, and nothing written. A theme catalog that passes the checks
but still tries to inject (quotes that would end an attribute, character references,
``javascript:``) is built, and no page of the package holds anything that runs. The
theme escapes translations even when the checks are bypassed.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest

from builder import i18n
from builder.errors import Reporter
from builder.formats import get_format
from builder.markdown import Localiser
from builder.preview import PreviewState
from builder.render import render_site, text_direction
from builder.sources import load_course
from tests.hostile.pages import executable_markup, runtime_strings
from tests.support import REPO, copy_root, require_tool, sabaq

THEME = Path("locales/ur/LC_MESSAGES/sabaq.po")
COURSE = Path("locales/ur/LC_MESSAGES/quizzes.po")
KEEP_PLACEHOLDERS = (
    "keep every {name} and %(name)s exactly as in the source; the program fills them in"
)
SUBMIT = 'msgid "Submit my answers"'
UR_PLURAL_FORMS = "nplurals=2; plural=((((n == 1)) && ((0 == 0))) ? 0 : 1);"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The quizzes course, wholly translated into Urdu, with the repository's Urdu theme."""
    monkeypatch.chdir(tmp_path)
    copy_root("quizzes", tmp_path / "courses")
    assert sabaq("i18n", "init", "ur").exit_code == 0
    catalog = polib.pofile(str(COURSE), wrapwidth=0)
    for entry in catalog:
        entry.msgstr = entry.msgid  # a faithful, if lazy, translation: it passes every check
    COURSE.write_text(i18n.render_catalog(catalog), encoding="utf-8")
    shutil.copy(REPO / "locales" / "ur" / "LC_MESSAGES" / "sabaq.po", THEME)
    return tmp_path


def translate(msgid: str, msgstr: str | dict[int, str], path: Path = THEME) -> None:
    """Give ``msgid`` a translation, written as Poedit would (polib escapes quotes)."""
    catalog = polib.pofile(str(path), wrapwidth=0)
    entry = catalog.find(msgid)
    assert entry is not None, msgid
    if isinstance(msgstr, dict):
        entry.msgstr_plural = msgstr
    else:
        entry.msgstr = msgstr
    path.write_text(i18n.render_catalog(catalog), encoding="utf-8")


def edit(old: str, new: str, path: Path = THEME) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(text: str, path: Path = THEME) -> int:
    """The 1-based number of the line of ``path`` that reads exactly ``text``."""
    return path.read_text(encoding="utf-8", errors="replace").splitlines().index(text) + 1


@dataclass(frozen=True)
class Slip:
    make: Callable[[], None]
    line: Callable[[], int]
    """Where the error points, found after the slip was made."""
    message: str | Callable[[], str]
    hint: str

    def diagnostic(self) -> str:
        message = self.message if isinstance(self.message, str) else self.message()
        return f"{THEME.as_posix()}:{self.line()}: error: {message}\n  hint: {self.hint}"


def _latin1_header() -> None:
    edit("charset=UTF-8", "charset=ISO-8859-1")


def _duplicate() -> None:
    with THEME.open("a", encoding="utf-8") as stream:
        stream.write('\nmsgid "Submit my answers"\nmsgstr "جمع کریں"\n')


def _defined_twice() -> str:
    return f"this message is defined twice (first at line {line_of(SUBMIT)})"


def _not_utf8() -> None:
    THEME.write_bytes(THEME.read_bytes().replace("درست۔".encode(), "Corr\xe9ct".encode("latin-1")))


def _second_definition() -> int:
    lines = THEME.read_text(encoding="utf-8").splitlines()
    return len(lines) - 1


SLIPS = {
    "script in a button": Slip(
        lambda: translate("Submit my answers", "<script>alert(1)</script>"),
        lambda: line_of(SUBMIT),
        "the translation contains HTML, which is shown as plain text, never as markup",
        "the theme's words are plain text: remove the tags",
    ),
    "script ending the runtime's JSON": Slip(
        lambda: translate("Correct.", "</script><script>alert(1)</script>"),
        lambda: line_of('msgid "Correct."'),
        "the translation contains HTML, which is shown as plain text, never as markup",
        "the theme's words are plain text: remove the tags",
    ),
    "unknown placeholder": Slip(
        lambda: translate("Question %(number)s of %(total)s", "سوال %(numbr)s از %(total)s"),
        lambda: line_of('msgid "Question %(number)s of %(total)s"'),
        "the translation's placeholders differ from the source: "
        "'%(number)s', '%(total)s' → '%(numbr)s', '%(total)s'",
        KEEP_PLACEHOLDERS,
    ),
    "lone percent sign": Slip(
        lambda: translate("Pass mark: %(percent)s%%", "پاس %(percent)s%"),
        lambda: line_of('msgid "Pass mark: %(percent)s%%"'),
        "the translation has a '%' that starts no placeholder: 'پاس %(percent)s%'",
        "write %% for a percent sign; keep every %(name)s exactly as in the source",
    ),
    "placeholder without a name": Slip(
        lambda: translate("Submit my answers", "جمع %s"),
        lambda: line_of(SUBMIT),
        "the translation has a placeholder without a name: '%s'",
        KEEP_PLACEHOLDERS,
    ),
    "unknown placeholder in a plural form": Slip(
        lambda: translate("%(count)s question", {0: "%(cont)s سوال", 1: "%(count)s سوالات"}),
        lambda: line_of('msgid "%(count)s question"'),
        "msgstr[0] has placeholders the source does not have: '%(cont)s'",
        KEEP_PLACEHOLDERS,
    ),
    "too many plural forms": Slip(
        lambda: translate(
            "%(count)s question", {0: "%(count)s سوال", 1: "%(count)s سوالات", 2: "%(count)s"}
        ),
        lambda: line_of('msgid "%(count)s question"'),
        "the translation has 3 plural form(s), but the catalog's Plural-Forms header says nplurals=2",
        "give exactly 2 form(s), msgstr[0] to msgstr[1]",
    ),
    "Plural-Forms without a rule": Slip(
        lambda: edit(f'"Plural-Forms: {UR_PLURAL_FORMS}\\n"', '"Plural-Forms: nplurals=2\\n"'),
        lambda: line_of('"Plural-Forms: nplurals=2\\n"'),
        "the Plural-Forms header is not usable: "
        "'nplurals=2' is not of the form 'nplurals=N; plural=EXPRESSION;'",
        f"write the rule for 'ur' as: Plural-Forms: {UR_PLURAL_FORMS}",
    ),
    "Plural-Forms rule beyond nplurals": Slip(
        lambda: edit(UR_PLURAL_FORMS, "nplurals=2; plural=n>1?2:0;"),
        lambda: line_of('"Plural-Forms: nplurals=2; plural=n>1?2:0;\\n"'),
        "the Plural-Forms header is not usable: "
        "the plural expression 'n>1?2:0' gives 2 for n = 2, but nplurals is 2",
        f"write the rule for 'ur' as: Plural-Forms: {UR_PLURAL_FORMS}",
    ),
    "ISO-8859-1 charset": Slip(
        _latin1_header,
        lambda: line_of('"Content-Type: text/plain; charset=ISO-8859-1\\n"'),
        "the catalog's charset is ISO-8859-1; Sabaq reads and writes catalogs in UTF-8 only",
        f"convert it: msgconv --to-code=UTF-8 -o {THEME.as_posix()} {THEME.as_posix()} "
        "(GNU gettext), or save it as UTF-8 in Poedit",
    ),
    "no Content-Type": Slip(
        lambda: edit('"Content-Type: text/plain; charset=UTF-8\\n"\n', ""),
        lambda: line_of('msgid ""'),
        "the header does not say the catalog is UTF-8: it has no Content-Type line",
        'the header needs the line "Content-Type: text/plain; charset=UTF-8\\n"',
    ),
    "bytes that are not UTF-8": Slip(
        _not_utf8,
        lambda: line_of('msgid "Correct."') + 1,
        "the catalog is not valid UTF-8 (byte 0xe9)",
        "save the file as UTF-8, as its header says",
    ),
    "string not closed": Slip(
        lambda: edit(SUBMIT, 'msgid "Submit my answers'),
        lambda: line_of('msgid "Submit my answers'),
        "cannot read the catalog: a string is not closed",
        'close the string with a " at the end of the line',
    ),
    "syntax error": Slip(
        lambda: edit(SUBMIT, f"Submit my answers\n{SUBMIT}"),
        lambda: line_of("Submit my answers"),
        "cannot read the catalog: syntax error",
        "fix the file in Poedit or a text editor; 'sabaq i18n check' shows every problem",
    ),
    "message defined twice": Slip(
        _duplicate,
        _second_definition,
        _defined_twice,
        "keep one of the two entries; gettext refuses a catalog with both",
    ),
}


def test_the_untouched_catalogs_build(project: Path) -> None:
    """Each slip below is the only thing wrong with its catalogs."""
    assert sabaq("i18n", "check").exit_code == 0
    result = sabaq("build", "--lang", "ur", "-q")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_a_slip_stops_build_with_a_located_error(name: str, project: Path) -> None:
    slip = SLIPS[name]
    slip.make()
    result = sabaq("build", "--lang", "ur", "-q")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{slip.diagnostic()}\nbuild failed: 1 error(s); nothing was written\n"
    )
    assert result.stdout == ""
    assert not (project / "dist").exists()


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_a_slip_fails_i18n_check(name: str, project: Path) -> None:
    slip = SLIPS[name]
    slip.make()
    result = sabaq("i18n", "check")
    assert result.exit_code == 1
    assert result.stderr == f"{slip.diagnostic()}\n1 error(s) in 2 catalog(s)\n"
    assert result.stdout == ""


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_a_slip_stops_i18n_update_before_it_writes(name: str, project: Path) -> None:
    slip = SLIPS[name]
    slip.make()
    before = {path: path.read_bytes() for path in sorted(Path("locales").rglob("*.po*"))}
    result = sabaq("i18n", "update")
    assert result.exit_code == 1
    assert result.stderr == f"{slip.diagnostic()}\n"
    assert result.stdout == ""
    assert {path: path.read_bytes() for path in sorted(Path("locales").rglob("*.po*"))} == before


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_a_slip_fails_i18n_stats(name: str, project: Path) -> None:
    slip = SLIPS[name]
    slip.make()
    result = sabaq("i18n", "stats")
    assert result.exit_code == 1
    assert result.stderr == f"{slip.diagnostic()}\n"
    assert result.stdout == ""


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_a_slip_shows_in_the_preview(name: str, project: Path) -> None:
    slip = SLIPS[name]
    slip.make()
    state = PreviewState(Path("courses/quizzes"), "ur", None, project / "preview")
    state.rebuild()
    assert state.errors == [slip.diagnostic()]
    assert state.package_dir is None
    assert not (project / "preview").exists()


def test_a_latin1_catalog_is_refused_by_i18n_check(project: Path) -> None:
    """A whole catalog saved in ISO-8859-1, as older editors did."""
    french = Path("locales/fr/LC_MESSAGES/sabaq.po")
    french.parent.mkdir(parents=True)
    french.write_bytes(
        (
            'msgid ""\nmsgstr ""\n"Language: fr\\n"\n'
            '"Content-Type: text/plain; charset=ISO-8859-1\\n"\n'
            '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
            'msgid "Next"\nmsgstr "Suivant \u00e9"\n'
        ).encode("latin-1")
    )
    result = sabaq("i18n", "check", "--lang", "fr")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{french.as_posix()}:4: error: the catalog's charset is ISO-8859-1; Sabaq reads and "
        "writes catalogs in UTF-8 only\n"
        f"  hint: convert it: msgconv --to-code=UTF-8 -o {french.as_posix()} {french.as_posix()} "
        "(GNU gettext), or save it as UTF-8 in Poedit\n"
        "1 error(s) in 1 catalog(s)\n"
    )


def test_the_theme_catalog_of_several_courses_is_reported_once(project: Path) -> None:
    copy_root("minimal", project / "courses")
    sabaq("i18n", "init", "ur")
    catalog = polib.pofile("locales/ur/LC_MESSAGES/minimal.po", wrapwidth=0)
    for entry in catalog:
        entry.msgstr = entry.msgid
    Path("locales/ur/LC_MESSAGES/minimal.po").write_text(
        i18n.render_catalog(catalog), encoding="utf-8"
    )
    slip = SLIPS["script in a button"]
    slip.make()
    result = sabaq("build", "--lang", "ur", "-q")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{slip.diagnostic()}\nbuild failed: 1 error(s); nothing was written\n"
    )


# ---------------------------------------------------------------------------- msgfmt


def test_build_runs_msgfmt_when_gettext_is_installed(project: Path) -> None:
    require_tool("msgfmt", install="bash scripts/setup.sh --test installs GNU gettext")
    # Sabaq's own checks let this pass; GNU msgfmt does not.
    translate("Submit my answers", "\nجمع کریں")
    result = sabaq("build", "--lang", "ur", "-q")
    assert result.exit_code == 1
    line = line_of('msgid "Submit my answers"')
    assert result.stderr.startswith(f"{THEME.as_posix()}:{line + 1}: error: msgfmt: ")
    assert result.stderr.endswith("build failed: 1 error(s); nothing was written\n")
    assert not (project / "dist").exists()


def test_without_gettext_build_relies_on_its_own_checks_and_i18n_check_fails(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain setup.sh installs no gettext: builds still work; CI's check must not pass."""
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    assert sabaq("build", "--lang", "ur", "-q").exit_code == 0
    SLIPS["unknown placeholder"].make()
    assert sabaq("build", "--lang", "ur", "-q").exit_code == 1

    check = sabaq("i18n", "check")
    assert check.exit_code == 1
    assert (
        f"{COURSE.as_posix()}: error: GNU msgfmt is not installed, so the catalog's syntax "
        "cannot be checked\n"
        "  hint: install Debian's gettext package (bash scripts/setup.sh --test does)\n"
    ) in check.stderr


# ---------------------------------------------------------------------------- what gets built


def test_hostile_theme_words_that_pass_the_checks_run_nowhere(project: Path) -> None:
    """No tags, so the checks let them through; the theme still shows them as text."""
    hostile = {
        "Language": 'x" onmouseover="alert(1)',  # an aria-label attribute
        "Skip to the course overview": "&lt;script&gt;alert(1)&lt;/script&gt;",
        "Start the course": "javascript:alert(1)",
        "Correct.": "'; alert(1); ' & \\u003c",  # the runtime's JSON
        "Question %(number)s of %(total)s": 'سوال %(number)s از %(total)s" onclick="alert(1)',
        "Submit my answers": "Q&A < جمع >",
    }
    for msgid, msgstr in hostile.items():
        translate(msgid, msgstr)
    result = sabaq("build", "--lang", "ur", "-q", "-f", "scorm12", "-f", "website")
    assert result.exit_code == 0, result.output

    pages = _pages(project / "dist")
    assert len(pages) > 10
    for name, page in pages.items():
        assert executable_markup(page) == [], name
    lesson = pages["quizzes-1.0-ur-website/content/03-assessment/02-module-quiz.html"]
    assert 'aria-label="x&#34; onmouseover=&#34;alert(1)"' in lesson
    assert "سوال 1 از 8&#34; onclick=&#34;alert(1)" in lesson
    assert "Q&amp;A &lt; جمع &gt;" in lesson
    # The runtime sets its words as text: they arrive exactly as the translator wrote them.
    assert runtime_strings(lesson)["correct"] == "'; alert(1); ' & \\u003c"
    home = pages["quizzes-1.0-ur-website/index.html"]
    assert "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;" in home


def _pages(dist: Path) -> dict[str, str]:
    """Every HTML page of every package in ``dist``, zipped and unpacked."""
    pages = {}
    for package in sorted(dist.glob("*.zip")):
        with zipfile.ZipFile(package) as archive:
            for name in archive.namelist():
                if name.endswith(".html"):
                    pages[f"{package.name}!{name}"] = archive.read(name).decode("utf-8")
    for page in sorted(dist.glob("*/**/*.html")):
        pages[page.relative_to(dist).as_posix()] = page.read_text(encoding="utf-8")
    return pages


THEME_ATTACKS = {
    "Submit my answers": "<script>alert(1)</script>",
    "Correct.": "</script><script>alert(2)</script>",
    "Not quite.": "<img src=x onerror=alert(3)>",
    "Start the course": '<a href="javascript:alert(4)">go</a>',
    "Language": 'x" onfocus="alert(5)',
    "Question %(number)s of %(total)s": "<b onclick=alert(6)>%(number)s</b> %(numbr)s",
    "Pass mark: %(percent)s%%": "%(percent)s%",
}


def test_the_theme_escapes_translations_the_checks_would_refuse(project: Path) -> None:
    """Defence in depth: rendered past the checks, a hostile catalog still injects nothing,
    and a translation the theme could not fill in gives way to the English."""
    for msgid, msgstr in THEME_ATTACKS.items():
        translate(msgid, msgstr)
    assert i18n.check_catalog(THEME, Reporter()) is None  # what the build would refuse
    course = load_course(Path("courses/quizzes"), Reporter())
    assert course is not None
    site = render_site(course, "ur", Reporter(), None, THEME.resolve())
    pages = {
        f"{name}:{path}": data.decode("utf-8")
        for name in ("scorm12", "website")
        for path, data in get_format(name).package(site).items()
        if path.endswith(".html")
    }
    assert len(pages) > 10
    for name, page in pages.items():
        assert executable_markup(page) == [], name
    quiz = pages["website:content/03-assessment/02-module-quiz.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</button>" in quiz
    assert "Question 1 of 8" in quiz  # %(numbr)s cannot be filled in: the source is shown
    assert "Pass mark: 70%" in quiz  # a lone % cannot be filled in either
    strings = runtime_strings(quiz)
    assert strings["correct"] == "</script><script>alert(2)</script>"  # text, in valid JSON
    assert strings["incorrect"] == "<img src=x onerror=alert(3)>"


COURSE_ATTACKS = {
    "That is all. <script>alert(1)</script>": (
        '<img src=x onerror="alert(1)"> [بس](javascript:alert(2)) </p><script>alert(3)</script>'
    ),
    "Hello **learner**. Read the [next lesson](02-tables.md#a-table) or [the last one](../02-more/01-last.md).": (
        '<a href="javascript:alert(4)" onclick="alert(5)">سلام</a>'
    ),
}


def test_course_translations_the_checks_would_refuse_render_as_text(project: Path) -> None:
    """Defence in depth for lesson text: past the checks, a translation still runs nowhere."""
    catalog = polib.pofile(str(COURSE), wrapwidth=0)
    for entry in catalog:
        entry.msgstr = COURSE_ATTACKS.get(entry.msgid, entry.msgstr)
    COURSE.write_text(i18n.render_catalog(catalog), encoding="utf-8")
    reporter = Reporter()
    assert i18n.check_catalog(COURSE, reporter) is None
    assert len(reporter.errors) >= 3  # HTML and changed links, in each message

    course = load_course(Path("courses/quizzes"), Reporter())
    assert course is not None
    messages = i18n.translations(catalog)
    localiser = Localiser(messages, "en", text_direction("en"), lambda text: text, "rtl")
    site = render_site(i18n.localise_course(course, messages), "ur", Reporter(), localiser)
    pages = {
        path: data.decode("utf-8")
        for path, data in get_format("website").package(site).items()
        if path.endswith(".html")
    }
    for name, page in pages.items():
        assert executable_markup(page) == [], name
    last = pages["content/02-more/01-last.html"]
    assert "onerror" in last  # the translation is on the page, as text
    assert "<img" not in last and "alert(3)</script>" not in last
    welcome = pages["content/01-basics/01-welcome.html"]
    assert "(5)&quot;&gt;سلام&lt;" in welcome  # the link and its handler, as text
