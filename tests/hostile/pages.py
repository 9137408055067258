"""What a page may never hold, whatever a translator wrote: markup that runs."""

from __future__ import annotations

import json
from html.parser import HTMLParser

# The only scripts a page of ours loads: the theme's runtime, and JSON data it reads.
RUNTIME = "sabaq.js"
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.json_scripts: dict[str, str] = {}
        self._json_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has an event handler {name}={value!r}")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag}> has a javascript: URL in {name}")
        if tag == "script":
            if values.get("type") == "application/json":
                self._json_id = values.get("id", "")
            elif not values.get("src", "").endswith(RUNTIME):
                self.problems.append(f"a script that is not the theme's: {values}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._json_id = None

    def handle_data(self, data: str) -> None:
        if self._json_id is not None:
            self.json_scripts[self._json_id] = self.json_scripts.get(self._json_id, "") + data


def executable_markup(page: str) -> list[str]:
    """Everything in ``page`` that could run: foreign scripts, handlers, javascript: URLs.

    A JSON script that a translation broke out of no longer parses, so that counts too.
    """
    scanner = _Scanner()
    scanner.feed(page)
    scanner.close()
    for name, text in scanner.json_scripts.items():
        try:
            json.loads(text)
        except ValueError:
            scanner.problems.append(f"the JSON script {name!r} was broken out of")
    return scanner.problems


def runtime_strings(page: str) -> dict[str, str]:
    """The words the theme hands its runtime (``<script id="sabaq-strings">``)."""
    scanner = _Scanner()
    scanner.feed(page)
    scanner.close()
    strings = json.loads(scanner.json_scripts["sabaq-strings"])
    assert isinstance(strings, dict)
    return {str(key): str(value) for key, value in strings.items()}
