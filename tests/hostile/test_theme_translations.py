"""The theme's translations keep only the markup of their source and never break a page."""

from __future__ import annotations

import gettext

import pytest
from jinja2 import Environment
from markupsafe import Markup

from builder.theme import SafeTranslations, plain_text
from tests.hostile.pages import executable_markup


class Catalog(gettext.NullTranslations):
    """Translations from a dictionary: (context, msgid) or msgid → msgstr (or its forms)."""

    def __init__(self, messages: dict[str, str | tuple[str, str]]) -> None:
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        found = self.messages.get(message, message)
        return found if isinstance(found, str) else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        found = self.messages.get(msgid1)
        if isinstance(found, tuple):
            return found[0] if n == 1 else found[1]
        return msgid1 if n == 1 else msgid2

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(f"{context}\x04{message}")

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self.ngettext(f"{context}\x04{msgid1}", msgid2, n)


def render(source: str, messages: dict[str, str | tuple[str, str]], **values: object) -> str:
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    safe = SafeTranslations(Catalog(messages))
    env.install_gettext_callables(  # type: ignore[attr-defined]
        safe.gettext, safe.ngettext, newstyle=True, pgettext=safe.pgettext, npgettext=safe.npgettext
    )
    env.filters["plain_text"] = plain_text
    return env.from_string(source).render(**values)


@pytest.mark.parametrize(
    ("translation", "shown"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('" onfocus="alert(1)', "&#34; onfocus=&#34;alert(1)"),
        ("Q&A", "Q&amp;A"),
        ("&lt;b&gt;", "&amp;lt;b&amp;gt;"),
    ],
)
def test_a_translation_is_text(translation: str, shown: str) -> None:
    page = render('<a title="{{ _("Next") }}">{{ _("Next") }}</a>', {"Next": translation})
    assert page == f'<a title="{shown}">{shown}</a>'
    assert executable_markup(page) == []


def test_the_markup_of_the_source_survives_and_only_it() -> None:
    source = "Read <strong>%(count)s</strong> pages"
    page = render(
        "{{ _(message, count=n) }}",
        {source: '<strong>%(count)s</strong> <em>صفحات</em> <strong onclick="x">'},
        message=source,
        n="<i>3</i>",
    )
    assert page == (
        "<strong>&lt;i&gt;3&lt;/i&gt;</strong> &lt;em&gt;صفحات&lt;/em&gt; "
        "&lt;strong onclick=&#34;x&#34;&gt;"
    )


@pytest.mark.parametrize(
    "translation",
    ["سوال %(numbr)s", "سوال %(number)s%", "سوال %s", "سوال %(number)*d", "%(number)s%(total)"],
)
def test_a_translation_the_theme_cannot_fill_in_gives_way_to_the_source(translation: str) -> None:
    source = "Question %(number)s of %(total)s"
    page = render("{{ _(m, number=1, total=2) }}", {source: translation}, m=source)
    assert page == "Question 1 of 2"


def test_plural_and_context_forms_are_escaped_too() -> None:
    messages: dict[str, str | tuple[str, str]] = {
        "%(count)s question": ("<b>%(count)s</b>", "%(count)s <img src=x onerror=alert(1)>"),
        "lesson navigation\x04Next": "<script>",
    }
    page = render(
        '{{ ngettext("%(count)s question", "%(count)s questions", 1, count=1) }}|'
        '{{ ngettext("%(count)s question", "%(count)s questions", 5, count=5) }}|'
        '{{ pgettext("lesson navigation", "Next") }}',
        messages,
    )
    assert page == "&lt;b&gt;1&lt;/b&gt;|5 &lt;img src=x onerror=alert(1)&gt;|&lt;script&gt;"


def test_the_runtime_gets_its_words_as_text_and_json_keeps_them_inside_the_script() -> None:
    page = render(
        '<script type="application/json" id="sabaq-strings">'
        '{{ {"correct": _("Correct.")}|plain_text|tojson }}</script>',
        {"Correct.": "</script><script>alert(1)</script> Q&A"},
    )
    assert "</script><script>" not in page
    assert executable_markup(page) == []
    assert plain_text({"a": Markup("Q&amp;A &lt;b&gt;")}) == {"a": "Q&A <b>"}


def test_the_scanner_sees_what_would_run() -> None:
    """The page checks of this folder would catch each of these."""
    assert executable_markup("<p>fine</p><script src='_sabaq/sabaq.js'></script>") == []
    assert executable_markup("<script>alert(1)</script>") != []
    assert executable_markup('<p onmouseover="alert(1)">x</p>') != []
    assert executable_markup('<a href=" JavaScript:alert(1)">x</a>') != []
    assert (
        executable_markup('<script type="application/json" id="s">{"a": "</script>"}</script>')
        != []
    )
