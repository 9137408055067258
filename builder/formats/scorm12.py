"""SCORM 1.2: the standard Moodle supports best.

The whole course is one SCO. Its launch page (the player) keeps a single LMS
session while the learner moves between lesson pages in its frame, so progress,
bookmark and, later, scores live in one place that the LMS grades on. Moodle reads
the manifest with a namespace-blind parser, so core elements stay unprefixed and
ADL elements carry the literal ``adlcp:`` prefix.
"""

from __future__ import annotations

from typing import ClassVar

from lxml import etree

from builder.formats.base import PackageFormat
from builder.manifest import Item, Organization, PackageModel, Resource, ncname
from builder.render import PLAYER_PAGE, Site

NS_CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
NS_ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATIONS = f"{NS_CP} imscp_rootv1p1p2.xsd {NS_ADLCP} adlcp_rootv1p2.xsd"
MANIFEST = "imsmanifest.xml"


class Scorm12(PackageFormat):
    name: ClassVar[str] = "scorm12"
    label: ClassVar[str] = "SCORM 1.2"

    def package(self, site: Site) -> dict[str, bytes]:
        entries = dict(site.files)
        entries[PLAYER_PAGE] = site.render_player(api="scorm12")
        model = single_sco_model(site, sorted(entries))
        entries[MANIFEST] = manifest_xml(model)
        return entries


def single_sco_model(site: Site, files: list[str]) -> PackageModel:
    config = site.course.config
    sco = Resource(
        identifier=ncname("res", config.id),
        href=PLAYER_PAGE,
        files=tuple(files),
        scorm_type="sco",
    )
    item = Item(
        identifier=ncname("item", config.id),
        title=config.title,
        resource=sco.identifier,
        mastery_score=config.mastery_score,
    )
    return PackageModel(
        identifier=ncname("sabaq", config.id),
        version=config.version,
        title=config.title,
        language=site.lang,
        description=config.description,
        organization=Organization(ncname("org", config.id), config.title, (item,)),
        resources=(sco,),
    )


def manifest_xml(model: PackageModel) -> bytes:
    cp = f"{{{NS_CP}}}"
    adlcp = f"{{{NS_ADLCP}}}"
    root = etree.Element(
        f"{cp}manifest",
        nsmap={None: NS_CP, "adlcp": NS_ADLCP, "xsi": NS_XSI},  # type: ignore[dict-item]
        identifier=model.identifier,
        version=model.version,
    )
    root.set(f"{{{NS_XSI}}}schemaLocation", SCHEMA_LOCATIONS)
    metadata = etree.SubElement(root, f"{cp}metadata")
    etree.SubElement(metadata, f"{cp}schema").text = "ADL SCORM"
    etree.SubElement(metadata, f"{cp}schemaversion").text = "1.2"

    organizations = etree.SubElement(
        root, f"{cp}organizations", default=model.organization.identifier
    )
    organization = etree.SubElement(
        organizations, f"{cp}organization", identifier=model.organization.identifier
    )
    etree.SubElement(organization, f"{cp}title").text = model.organization.title
    for item in model.organization.items:
        _item_xml(organization, item, cp, adlcp)

    resources = etree.SubElement(root, f"{cp}resources")
    for resource in model.resources:
        element = etree.SubElement(
            resources, f"{cp}resource", identifier=resource.identifier, type="webcontent"
        )
        element.set(f"{adlcp}scormtype", resource.scorm_type or "asset")
        if resource.href:
            element.set("href", resource.href)
        for name in resource.files:
            etree.SubElement(element, f"{cp}file", href=name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _item_xml(parent: etree._Element, item: Item, cp: str, adlcp: str) -> None:
    element = etree.SubElement(parent, f"{cp}item", identifier=item.identifier)
    if item.resource:
        element.set("identifierref", item.resource)
    etree.SubElement(element, f"{cp}title").text = item.title
    for child in item.children:
        _item_xml(element, child, cp, adlcp)
    if item.mastery_score is not None:
        etree.SubElement(element, f"{adlcp}masteryscore").text = str(item.mastery_score)
