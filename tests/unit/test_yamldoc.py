"""Course files read by libyaml give what PyYAML's own parser gives, lines included.

libyaml reads plain, valid documents (most of loading a large course is its lessons'
front matter); anything unusual goes to PyYAML, whose messages authors are shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builder import yamldoc
from builder.errors import Reporter
from builder.sources import _split_front_matter
from builder.yamldoc import YamlDoc, parse_yaml_mapping
from tests.support import REPO, ROOTS

TRICKY = {
    "scalars": 'title: "Blocks: and chains"\nversion: 1.10\nweight: 0.5\ncount: 12\n'
    "published: 2024-03-01\nactive: yes\nnothing: ~\n",
    "unicode": "title: بلاک چین کا تعارف\nsummary: 'ਪੰਜਾਬੀ — “quoted”'\nemoji: \"\\ud83d\\ude00\"\n",
    "blocks": "description: |\n  Line one.\n\n  Line three.\nfolded: >\n  a\n  b\n",
    "nesting": "formats:\n  - scorm12\n  - website\ngrading:\n  pass: 70\n  weights:\n"
    "    quiz-1: 2\n    exam: [3, 4]\nlinks:\n  - title: Docs\n    url: https://example.org\n",
    "flow": "objectives: [one, 'two', \"three\"]\nmeta: {a: 1, b: [x, y]}\n",
    "empty": "",
    "comments": "# a comment\ntitle: Only a title  # and another\n",
    "crlf": "title: Windows\r\nduration: 15m\r\n",
}


def both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[YamlDoc | None, YamlDoc | None]:
    path = Path("course.yml")
    fast = parse_yaml_mapping(text, path, Reporter(), first_line=2)
    with monkeypatch.context() as patched:
        patched.setattr(yamldoc, "_parsed_by_libyaml", lambda text, path, offset: None)
        careful = parse_yaml_mapping(text, path, Reporter(), first_line=2)
    return fast, careful


def course_texts() -> list[str]:
    texts = []
    for folder in (REPO / "courses", ROOTS):
        for path in sorted(folder.rglob("*.yml")):
            texts.append(path.read_text(encoding="utf-8"))
        for path in sorted(folder.rglob("*.md")):
            front = _split_front_matter(path.read_text(encoding="utf-8"))
            if front is not None:
                texts.append(front[0])
    return texts


@pytest.mark.parametrize("text", TRICKY.values(), ids=TRICKY.keys())
def test_libyaml_reads_what_pyyaml_reads(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, careful = both_ways(text, monkeypatch)
    assert fast == careful
    assert fast is not None


def test_every_shipped_course_file_reads_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = course_texts()
    assert len(texts) > 100  # the courses' lessons, modules and course files
    for text in texts:
        fast, careful = both_ways(text, monkeypatch)
        assert fast == careful, text


def test_libyaml_reads_plain_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = yamldoc._parsed_by_libyaml

    def noting(text: str, path: Path, offset: int) -> object:
        found = real(text, path, offset)
        if found is not None:
            read.append(text)
        return found

    monkeypatch.setattr(yamldoc, "_parsed_by_libyaml", noting)
    parse_yaml_mapping(TRICKY["nesting"], Path("course.yml"), Reporter())
    assert read == [TRICKY["nesting"]]


@pytest.mark.parametrize(
    "text",
    [
        "title: [unclosed\n",
        "base: &anchor 1\nother: *anchor\n",
        "title: !!binary aGVsbG8=\n",
        "title: bell \x07 here\n",
        "count: " + "9" * 5000 + "\n",
        "date: 2024-13-01\n",
        "- a list\n- not a mapping\n",
    ],
    ids=["syntax", "alias", "tag", "control-character", "long-number", "bad-date", "list"],
)
def test_mistakes_are_reported_as_pyyaml_reports_them(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_reporter, careful_reporter = Reporter(), Reporter()
    assert parse_yaml_mapping(text, Path("course.yml"), fast_reporter) is None
    with monkeypatch.context() as patched:
        patched.setattr(yamldoc, "_parsed_by_libyaml", lambda text, path, offset: None)
        assert parse_yaml_mapping(text, Path("course.yml"), careful_reporter) is None
    assert fast_reporter.diagnostics == careful_reporter.diagnostics
    assert fast_reporter.errors
