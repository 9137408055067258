"""The Jinja2 environment that turns the model into pages.

Autoescaping is on and undefined names fail loudly: an author's title can never
become markup, and a template typo can never quietly print nothing.
"""

from __future__ import annotations

import gettext
import io
import posixpath
from functools import cache
from importlib import resources
from pathlib import Path

import polib
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

THEME_PACKAGE = "builder"
TEMPLATES = "themes/default/templates"
STATIC = "themes/default/static"
STATIC_DIR = "_sabaq"
"""Folder inside every package for the theme's CSS and runtime script."""


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
    )
    if ui_catalog is not None and ui_catalog.is_file():
        # Fuzzy entries are left out of the compiled catalog: an unreviewed string
        # shows in the source language rather than wrong.
        compiled = polib.pofile(str(ui_catalog)).to_binary()
        env.install_gettext_translations(  # type: ignore[attr-defined]
            gettext.GNUTranslations(io.BytesIO(compiled)), newstyle=True
        )
    else:
        env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["relative_to"] = relative_url
    return env


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
    """The href from package path ``page`` to package path ``target``."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def static_files() -> dict[str, bytes]:
    """The theme's static files, keyed by their path inside a package."""
    root = resources.files(THEME_PACKAGE).joinpath(STATIC)
    return {
        f"{STATIC_DIR}/{entry.name}": entry.read_bytes()
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.is_file()
    }
