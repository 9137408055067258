"""The Jinja2 environment that turns the model into pages.

Autoescaping is on and undefined names fail loudly: an author's title can never
become markup, and a template typo can never quietly print nothing. A translator's
words cannot become markup either (:class:`SafeTranslations`).
"""

from __future__ import annotations

import contextlib
import gettext
import io
import posixpath
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import polib
from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from builder.archive import write_atomically
from builder.buildcache import cache_root

THEME_PACKAGE = "builder"
TEMPLATES = "themes/default/templates"
STATIC = "themes/default/static"
STATIC_DIR = "_sabaq"
"""Folder inside every package for the theme's CSS and runtime script."""


class _CompiledTemplates(BytecodeCache):
    """Templates compiled by an earlier run, in Sabaq's cache folder.

    Compiling the theme's templates takes a tenth of a second, as long as building a
    small course. Jinja checks each entry against the template's source and its own
    version before using it; an entry that cannot be read or written is compiled anew.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = self._path(bucket).read_bytes()
        except OSError:
            return
        bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            write_atomically(self._path(bucket), bucket.write_bytecode)

    @staticmethod
    def _path(bucket: Bucket) -> Path:
        return cache_root() / "templates" / f"{bucket.key}.cache"


def environment(ui_catalog: Path | None = None) -> Environment:
    """The theme's environment, speaking the language of ``ui_catalog`` (a ``sabaq.po``)."""
    stamp = ui_catalog.stat().st_mtime_ns if ui_catalog is not None and ui_catalog.is_file() else 0
    return _environment(ui_catalog, stamp)


@cache
def _environment(ui_catalog: Path | None, _stamp: int) -> Environment:
    env = Environment(
        loader=PackageLoader(THEME_PACKAGE, TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_CompiledTemplates(),
    )
    translations: gettext.NullTranslations = gettext.NullTranslations()
    if ui_catalog is not None and ui_catalog.is_file():
        # Fuzzy entries are left out of the compiled catalog: an unreviewed string
        # shows in the source language rather than wrong.
        compiled = polib.pofile(str(ui_catalog)).to_binary()
        translations = gettext.GNUTranslations(io.BytesIO(compiled))
    safe = SafeTranslations(translations)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        safe.gettext, safe.ngettext, newstyle=True, pgettext=safe.pgettext, npgettext=safe.npgettext
    )
    env.filters["relative_to"] = relative_url
    env.filters["plain_text"] = plain_text
    return env


_MARKUP = re.compile(
    r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?>|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);"
)
_CONVERSION = re.compile(
    r"%(?:\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\))?[#0 +-]*\d*(?:\.\d+)?(?P<type>[diouxXeEfFgGcrsa%])"
)


class SafeTranslations:
    """The theme's translations, unable to add markup to a page or to break it.

    With autoescaping, Jinja's newstyle gettext marks whatever the catalog returns as
    safe HTML and then fills in its ``%(name)s`` placeholders. A translator is not
    trusted with markup: a translation is escaped except for the tags (and character
    references) its source has, so only the theme's own markup survives. A translation
    the theme could not fill in (an unknown placeholder, a lone ``%``) gives way to the
    source; ``sabaq build`` refuses such catalogs anyway (``i18n.check_catalog``).
    """

    def __init__(self, translations: gettext.NullTranslations) -> None:
        self._translations = translations

    def gettext(self, message: str) -> str:
        return _safe(self._translations.gettext(message), message, (message,))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        english = singular if n == 1 else plural
        return _safe(
            self._translations.ngettext(singular, plural, n), english, (singular, plural), "num"
        )

    def pgettext(self, context: str, message: str) -> str:
        return _safe(self._translations.pgettext(context, message), message, (message,), "context")

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        english = singular if n == 1 else plural
        translated = self._translations.npgettext(context, singular, plural, n)
        return _safe(translated, english, (singular, plural), "context", "num")


def _safe(translated: str, fallback: str, sources: tuple[str, ...], *implicit: str) -> str:
    if translated in sources:
        return translated  # the theme's own words
    names = {
        match["name"]
        for source in sources
        for match in _CONVERSION.finditer(source)
        if match["name"] is not None
    }
    if not _fills_in(translated, names | set(implicit)):
        return fallback
    allowed = {markup for source in sources for markup in _MARKUP.findall(source)}
    pieces: list[Markup] = []
    position = 0
    for match in _MARKUP.finditer(translated):
        pieces.append(escape(translated[position : match.start()]))
        markup = match.group(0)
        pieces.append(Markup(markup) if markup in allowed else escape(markup))
        position = match.end()
    pieces.append(escape(translated[position:]))
    return Markup("").join(pieces)


def _fills_in(text: str, names: set[str]) -> bool:
    """Whether Jinja can fill ``text`` in with values called ``names`` (and nothing else)."""
    index = text.find("%")
    while index != -1:
        match = _CONVERSION.match(text, index)
        if match is None:
            return False
        if match["type"] == "%":
            if match.group(0) != "%%":
                return False
        elif match["name"] not in names:
            return False
        index = text.find("%", match.end())
    return True


def plain_text(strings: Mapping[str, str]) -> dict[str, str]:
    """Translated strings as text, for a script that shows them with ``textContent``.

    ``_()`` gives HTML (a translation escaped); a runtime that sets ``textContent``
    would show ``&amp;`` as it is, so its words are handed over unescaped, and
    ``tojson`` keeps ``</script>`` inside them from ending the script element.
    """
    return {
        key: Markup(value).unescape() if isinstance(value, Markup) else value
        for key, value in strings.items()
    }


UI_DOMAIN = "sabaq"
TEMPLATES_PATH = Path(__file__).resolve().parent / TEMPLATES


def ui_messages() -> list[tuple[str, int, str | tuple[str, ...], list[str], str | None]]:
    """The theme's translatable strings: (template, line, message, comments, context)."""
    from babel.messages.extract import extract_from_dir

    return [
        (name, line, message, list(comments), context)
        for name, line, message, comments, context in extract_from_dir(
            str(TEMPLATES_PATH),
            method_map=[("**.j2", "jinja2.ext:babel_extract")],
            options_map={"**.j2": {"trim_blocks": "true", "lstrip_blocks": "true"}},
            comment_tags=("Translators:",),
        )
    ]


def relative_url(target: str, page: str) -> str:
    """The href from package path ``page`` to package path ``target``.

    ``posixpath.relpath`` asks the operating system for the working directory on every
    call; every page links to the lessons in its outline, so this is worked out on the
    package paths alone, once per target and folder of pages.
    """
    return _relative_to_folder(target, posixpath.dirname(page))


@lru_cache(maxsize=1 << 14)
def _relative_to_folder(target: str, folder: str) -> str:
    start = _segments(folder)
    path = _segments(target)
    common = 0
    while common < min(len(start), len(path)) and start[common] == path[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + path[common:]) or "."


def _segments(path: str) -> list[str]:
    normal = posixpath.normpath(path) if path else "."
    return [] if normal == "." else normal.split("/")


def static_files() -> dict[str, bytes]:
    """The theme's static files, keyed by their path inside a package."""
    root = resources.files(THEME_PACKAGE).joinpath(STATIC)
    return {
        f"{STATIC_DIR}/{entry.name}": entry.read_bytes()
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.is_file()
    }
