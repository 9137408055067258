"""The package model every format writes: an organisation tree over resources.

IMS Content Packaging is the common core of SCORM 1.2, SCORM 2004, IMS CP and
Common Cartridge; each format serialises this one model with its own namespaces and
rules (see :mod:`builder.formats`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NOT_NCNAME = re.compile(r"[^A-Za-z0-9._-]")


def ncname(prefix: str, *parts: str) -> str:
    """An XML NCName (a valid ``identifier``) from a letter prefix and id parts.

    Moodle's Common Cartridge import and SCORM players reject ids that start with a
    digit or hold ':' or spaces, so ids are always ``prefix.part.part``.
    """
    cleaned = ".".join(_NOT_NCNAME.sub("_", part.replace("/", ".")) for part in parts)
    return f"{prefix}.{cleaned}" if cleaned else prefix


@dataclass(frozen=True, slots=True)
class Resource:
    identifier: str
    href: str | None
    files: tuple[str, ...]
    scorm_type: str | None = None
    """"sco" or "asset" in SCORM packages; None elsewhere."""


@dataclass(frozen=True, slots=True)
class Item:
    identifier: str
    title: str
    resource: str | None = None
    children: tuple[Item, ...] = ()
    mastery_score: int | None = None


@dataclass(frozen=True, slots=True)
class Organization:
    identifier: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class PackageModel:
    identifier: str
    version: str
    title: str
    language: str
    description: str
    organization: Organization
    resources: tuple[Resource, ...] = field(default_factory=tuple)

    def files(self) -> set[str]:
        return {name for resource in self.resources for name in resource.files}
