"""The package model every IMS-based format writes: an organisation tree over resources.

IMS Content Packaging is the common core of SCORM 1.2, SCORM 2004, IMS CP and
Common Cartridge. Each format builds one :class:`PackageModel` with the helpers here
and serialises it with :func:`manifest_xml` and its own :class:`Dialect`: the
namespaces, the metadata and the few attributes that differ between standards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from builder.model import Module
from builder.render import HOME_PAGE, PLAYER_PAGE, Site
from builder.theme import STATIC_DIR

_NOT_NCNAME = re.compile(r"[^A-Za-z0-9._-]")
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
MANIFEST = "imsmanifest.xml"


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
    type: str = "webcontent"
    scorm_type: str | None = None
    """"sco" or "asset" in SCORM packages; None elsewhere."""
    dependencies: tuple[str, ...] = ()


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
    keywords: tuple[str, ...]
    organization: Organization
    resources: tuple[Resource, ...] = field(default_factory=tuple)

    def files(self) -> set[str]:
        return {name for resource in self.resources for name in resource.files}


def _model(site: Site, items: tuple[Item, ...], resources: tuple[Resource, ...]) -> PackageModel:
    config = site.course.config
    return PackageModel(
        identifier=ncname("sabaq", config.id),
        version=config.version,
        title=config.title,
        language=site.lang,
        description=config.description,
        keywords=config.keywords,
        organization=Organization(ncname("org", config.id), config.title, items),
        resources=resources,
    )


def single_sco_model(site: Site, files: list[str]) -> PackageModel:
    """The whole course as one SCO launched by the player page (SCORM, cmi5)."""
    config = site.course.config
    sco = Resource(
        identifier=ncname("res", config.id),
        href=PLAYER_PAGE,
        files=tuple(sorted(files)),
        scorm_type="sco",
    )
    item = Item(
        identifier=ncname("item", config.id),
        title=config.title,
        resource=sco.identifier,
        mastery_score=config.mastery_score,
    )
    return _model(site, (item,), (sco,))


ModuleExtras = Callable[[Module], tuple[list[Item], list[Resource]]]


def outline_model(
    site: Site, extra: ModuleExtras | None = None, *, overview_in_folder: bool = False
) -> PackageModel:
    """The course overview, then modules as folders of lesson pages (IMS CP, CC).

    Each page is its own web-content resource that depends on the theme's files.
    ``extra(module)`` may add items and resources to a module (web links, discussions,
    quizzes) in formats that carry them. Common Cartridge turns every top-level
    folder into a course section, so there the overview sits in a folder of its own.
    """
    theme = Resource(
        identifier="res.theme",
        href=None,
        files=tuple(sorted(name for name in site.files if name.startswith(f"{STATIC_DIR}/"))),
    )
    home = Resource("res.home", HOME_PAGE, (HOME_PAGE,), dependencies=(theme.identifier,))
    resources: list[Resource] = [theme, home]
    overview = Item("item.home", _OVERVIEW_TITLE, home.identifier)
    items: list[Item] = (
        [Item("folder.home", site.course.config.title, children=(overview,))]
        if overview_in_folder
        else [overview]
    )
    for module in site.course.modules:
        children: list[Item] = []
        for lesson in module.lessons:
            resource = Resource(
                identifier=ncname("res", lesson.id),
                href=lesson.output_path,
                files=(lesson.output_path, *site.lesson_assets[lesson.id]),
                dependencies=(theme.identifier,),
            )
            resources.append(resource)
            children.append(Item(ncname("item", lesson.id), lesson.title, resource.identifier))
        if extra is not None:
            more_items, more_resources = extra(module)
            children.extend(more_items)
            resources.extend(more_resources)
        items.append(Item(ncname("module", module.id), module.title, children=tuple(children)))
    return _model(site, tuple(items), tuple(resources))


_OVERVIEW_TITLE = "Course overview"


@dataclass(frozen=True)
class Dialect:
    """How one standard writes the shared model."""

    namespace: str
    nsmap: dict[str, str]
    schema: str
    schema_version: str
    schema_locations: str = ""
    metadata: Callable[[etree._Element, PackageModel], None] | None = None
    """Adds standard-specific metadata (LOM) after schema/schemaversion."""
    organization_attributes: dict[str, str] = field(default_factory=dict)
    item: Callable[[etree._Element, Item], None] | None = None
    """Adds standard-specific children to an item after its title and sub-items."""
    organization_extra: Callable[[etree._Element, PackageModel], None] | None = None
    resource: Callable[[etree._Element, Resource], None] | None = None
    root_item: bool = False
    """Common Cartridge wants one root item whose children become course sections."""
    cp_attributes: bool = True
    """Manifest ``version``, ``organizations@default`` and an organisation title: the
    Common Cartridge profile of CP forbids all three."""


def manifest_xml(model: PackageModel, dialect: Dialect) -> bytes:
    cp = f"{{{dialect.namespace}}}"
    nsmap: dict[str | None, str] = {None: dialect.namespace}
    nsmap.update(dialect.nsmap)
    if dialect.schema_locations:
        nsmap["xsi"] = NS_XSI
    root = etree.Element(f"{cp}manifest", nsmap=nsmap, identifier=model.identifier)  # type: ignore[arg-type]
    if model.version and dialect.cp_attributes:
        root.set("version", model.version)
    if dialect.schema_locations:
        root.set(f"{{{NS_XSI}}}schemaLocation", dialect.schema_locations)

    metadata = etree.SubElement(root, f"{cp}metadata")
    etree.SubElement(metadata, f"{cp}schema").text = dialect.schema
    etree.SubElement(metadata, f"{cp}schemaversion").text = dialect.schema_version
    if dialect.metadata is not None:
        dialect.metadata(metadata, model)

    organizations = etree.SubElement(root, f"{cp}organizations")
    organization = etree.SubElement(
        organizations, f"{cp}organization", identifier=model.organization.identifier
    )
    for name, value in dialect.organization_attributes.items():
        organization.set(name, value)
    if dialect.cp_attributes:
        organizations.set("default", model.organization.identifier)
        etree.SubElement(organization, f"{cp}title").text = model.organization.title
    items = model.organization.items
    if dialect.root_item:
        # The CC profile's root item has no title: it stands for the course itself.
        items = (Item("item.root", "", children=items),)
    for item in items:
        _item_xml(organization, item, cp, dialect)
    if dialect.organization_extra is not None:
        dialect.organization_extra(organization, model)

    resources = etree.SubElement(root, f"{cp}resources")
    for resource in model.resources:
        element = etree.SubElement(
            resources, f"{cp}resource", identifier=resource.identifier, type=resource.type
        )
        if resource.href:
            element.set("href", resource.href)
        if dialect.resource is not None:
            dialect.resource(element, resource)
        for name in resource.files:
            etree.SubElement(element, f"{cp}file", href=name)
        for dependency in resource.dependencies:
            etree.SubElement(element, f"{cp}dependency", identifierref=dependency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _item_xml(parent: etree._Element, item: Item, cp: str, dialect: Dialect) -> None:
    element = etree.SubElement(parent, f"{cp}item", identifier=item.identifier)
    if item.resource:
        element.set("identifierref", item.resource)
    if item.title:
        etree.SubElement(element, f"{cp}title").text = item.title
    for child in item.children:
        _item_xml(element, child, cp, dialect)
    if dialect.item is not None:
        dialect.item(element, item)


def lom_general(
    parent: etree._Element,
    ns: str,
    model: PackageModel,
    *,
    prefix: str = "lom",
    with_version: bool = True,
) -> etree._Element:
    """IEEE LOM ``general`` and ``lifeCycle`` (title, language, description, keywords, version).

    SCORM 2004 and Common Cartridge use the same LOM structure in different namespaces.
    """
    lom_ns = f"{{{ns}}}"
    lom = etree.SubElement(parent, f"{lom_ns}lom", nsmap={prefix: ns})
    general = etree.SubElement(lom, f"{lom_ns}general")
    _langstring(etree.SubElement(general, f"{lom_ns}title"), lom_ns, model.title, model.language)
    etree.SubElement(general, f"{lom_ns}language").text = model.language
    if model.description:
        _langstring(
            etree.SubElement(general, f"{lom_ns}description"),
            lom_ns,
            model.description,
            model.language,
        )
    for keyword in model.keywords:
        _langstring(etree.SubElement(general, f"{lom_ns}keyword"), lom_ns, keyword, model.language)
    if model.version and with_version:
        life_cycle = etree.SubElement(lom, f"{lom_ns}lifeCycle")
        _langstring(
            etree.SubElement(life_cycle, f"{lom_ns}version"), lom_ns, model.version, model.language
        )
    return lom


def _langstring(parent: etree._Element, lom_ns: str, text: str, language: str) -> None:
    string = etree.SubElement(parent, f"{lom_ns}string", language=language)
    string.text = text
