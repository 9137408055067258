"""The Jinja2 environment that turns the model into pages.

Autoescaping is on and undefined names fail loudly: an author's title can never
become markup, and a template typo can never quietly print nothing.
"""

from __future__ import annotations

import posixpath
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

THEME_PACKAGE = "builder"
TEMPLATES = "themes/default/templates"
STATIC = "themes/default/static"
STATIC_DIR = "_sabaq"
"""Folder inside every package for the theme's CSS and runtime script."""


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader(THEME_PACKAGE, TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Until the localisation catalogs exist, UI strings pass through untranslated.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["relative_to"] = relative_url
    return env


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
