"""SCORM 1.2: the standard Moodle supports best.

The whole course is one SCO. Its launch page (the player) keeps a single LMS
session while the learner moves between lesson pages in its frame, so progress,
bookmark and scores live in one record that the LMS grades on. Moodle reads the
manifest with a namespace-blind parser, so core elements stay unprefixed and ADL
elements carry the literal ``adlcp:`` prefix.
"""

from __future__ import annotations

from typing import ClassVar

from lxml import etree

from builder.formats.base import PackageFormat
from builder.manifest import MANIFEST, Dialect, Item, Resource, manifest_xml, single_sco_model
from builder.render import PLAYER_PAGE, Site

NS_CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
NS_ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"


def _mastery_score(element: etree._Element, item: Item) -> None:
    if item.mastery_score is not None:
        etree.SubElement(element, f"{{{NS_ADLCP}}}masteryscore").text = str(item.mastery_score)


def _scorm_type(element: etree._Element, resource: Resource) -> None:
    element.set(f"{{{NS_ADLCP}}}scormtype", resource.scorm_type or "asset")


DIALECT = Dialect(
    namespace=NS_CP,
    nsmap={"adlcp": NS_ADLCP},
    schema="ADL SCORM",
    schema_version="1.2",
    schema_locations=f"{NS_CP} imscp_rootv1p1p2.xsd {NS_ADLCP} adlcp_rootv1p2.xsd",
    item=_mastery_score,
    resource=_scorm_type,
)


class Scorm12(PackageFormat):
    name: ClassVar[str] = "scorm12"
    label: ClassVar[str] = "SCORM 1.2"
    multilingual: ClassVar[bool] = True

    def package(self, site: Site) -> dict[str, bytes]:
        entries = dict(site.files)
        entries[PLAYER_PAGE] = site.render_player(api="scorm12")
        entries[MANIFEST] = manifest_xml(single_sco_model(site, list(entries)), DIALECT)
        return entries
