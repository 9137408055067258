"""The registry of package formats.

A built-in format is one module here plus one line in ``_BUILTIN``; other packages
add formats through the ``sabaq.formats`` entry-point group, naming a
:class:`~builder.formats.base.PackageFormat` subclass.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.metadata import entry_points

from builder.formats.base import PackageFormat

ENTRY_POINT_GROUP = "sabaq.formats"

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
def registry() -> dict[str, type[PackageFormat]]:
    found: dict[str, type[PackageFormat]] = {}
    for name, target in _BUILTIN.items():
        module_name, class_name = target.split(":")
        found[name] = getattr(import_module(module_name), class_name)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name not in found:
            found[entry.name] = entry.load()
    return found


def available_formats() -> list[str]:
    return sorted(registry())


def get_format(name: str) -> PackageFormat:
    """An instance of the format called ``name``; KeyError if there is none."""
    return registry()[name]()
