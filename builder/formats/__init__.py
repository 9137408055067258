"""The registry of package formats.

A built-in format is one module here plus one line in ``_BUILTIN``; other packages
add formats through the ``sabaq.formats`` entry-point group, naming a
:class:`~builder.formats.base.PackageFormat` subclass.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from builder.formats.base import PackageFormat

ENTRY_POINT_GROUP = "sabaq.formats"
ALL_FORMATS = "all"
"""Asks for every format, in ``--format`` and in course.yml's ``formats``."""

_BUILTIN = {
    "scorm12": "builder.formats.scorm12:Scorm12",
    "scorm2004": "builder.formats.scorm2004:Scorm2004",
    "cmi5": "builder.formats.cmi5:Cmi5",
    "imscp": "builder.formats.imscp:ImsCp",
    "imscc11": "builder.formats.commoncartridge:CommonCartridge11",
    "imscc13": "builder.formats.commoncartridge:CommonCartridge13",
    "website": "builder.formats.website:Website",
    "questionbank": "builder.formats.questionbank:QuestionBank",
    "moodle": "builder.formats.moodle:MoodleCourse",
}


@cache
def format_class(name: str) -> type[PackageFormat]:
    """The class of the format called ``name``, loading that format alone; KeyError if none.

    A build loads only the formats it makes: the Moodle backup and the cartridges are
    a good part of Sabaq's code.
    """
    target = _BUILTIN.get(name)
    if target is not None:
        module_name, class_name = target.split(":")
        found: type[PackageFormat] = getattr(import_module(module_name), class_name)
        return found
    for entry in _plugins():
        if entry.name == name:
            plugin: type[PackageFormat] = entry.load()
            return plugin
    raise KeyError(name)


def is_format(name: str) -> bool:
    """Whether a format is called ``name``; other packages' formats are looked for only
    when no built-in one is (finding them loads ``importlib.metadata``: 30 ms)."""
    return name in _BUILTIN or any(entry.name == name for entry in _plugins())


def available_formats() -> list[str]:
    """The formats' names, known without loading them (which loads the whole renderer)."""
    return sorted({*_BUILTIN, *(entry.name for entry in _plugins())})


def _plugins() -> list[EntryPoint]:
    from importlib.metadata import entry_points  # 30 ms to import; plugins are rare

    return list(entry_points(group=ENTRY_POINT_GROUP))


def get_format(name: str) -> PackageFormat:
    """An instance of the format called ``name``; KeyError if there is none."""
    return format_class(name)()
