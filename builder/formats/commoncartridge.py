"""IMS Common Cartridge 1.1 (Moodle's course import) and 1.3 (Canvas, Brightspace, Sakai).

Moodle restores a 1.1 cartridge into a course: the organisation's single root item
has one child per section, so the course overview and each module become sections;
lesson pages become Moodle pages, graded quizzes and exams Moodle quizzes (QTI 1.2
assessments, see :mod:`builder.qti`), ``links:`` in module.yml web links (URL
activities) and ``discussion:`` a forum. Moodle validates the manifest against the
CC schemas and aborts on any error, and reads the CC namespace only as the default
``xmlns`` within the manifest's first kilobyte, so nothing comes before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lxml import etree

from builder.assessment import Quiz
from builder.formats.base import PackageFormat
from builder.manifest import (
    MANIFEST,
    Dialect,
    Item,
    PackageModel,
    Resource,
    lom_general,
    manifest_xml,
    ncname,
    outline_model,
)
from builder.model import Course, Module
from builder.qti import assessment_xml, quiz_title
from builder.render import Site

DESCRIPTOR_DIR = "cc"
"""Folder for web-link, discussion and quiz descriptors (XML files the LMS turns into activities)."""


@dataclass(frozen=True)
class CartridgeVersion:
    """What differs between Common Cartridge versions: namespaces and type names."""

    label: str
    schema_version: str
    namespace: str
    lom_namespace: str
    weblink_namespace: str
    weblink_type: str
    discussion_namespace: str
    discussion_type: str
    assessment_type: str
    lom_version: bool
    """CC 1.1's LOM profile allows only contributors in lifeCycle; 1.3 allows the version."""

    def dialect(self) -> Dialect:
        def metadata(parent: etree._Element, model: PackageModel) -> None:
            lom_general(
                parent, self.lom_namespace, model, prefix="lomimscc", with_version=self.lom_version
            )

        return Dialect(
            namespace=self.namespace,
            nsmap={},
            schema="IMS Common Cartridge",
            schema_version=self.schema_version,
            metadata=metadata,
            organization_attributes={"structure": "rooted-hierarchy"},
            root_item=True,
            cp_attributes=False,
        )


CC11 = CartridgeVersion(
    label="IMS Common Cartridge 1.1",
    schema_version="1.1.0",
    namespace="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    lom_namespace="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest",
    weblink_namespace="http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1",
    weblink_type="imswl_xmlv1p1",
    discussion_namespace="http://www.imsglobal.org/xsd/imsccv1p1/imsdt_v1p1",
    discussion_type="imsdt_xmlv1p1",
    assessment_type="imsqti_xmlv1p2/imscc_xmlv1p1/assessment",
    lom_version=False,
)

CC13 = CartridgeVersion(
    label="IMS Common Cartridge 1.3",
    schema_version="1.3.0",
    namespace="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1",
    lom_namespace="http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest",
    weblink_namespace="http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3",
    weblink_type="imswl_xmlv1p3",
    discussion_namespace="http://www.imsglobal.org/xsd/imsccv1p3/imsdt_v1p3",
    discussion_type="imsdt_xmlv1p3",
    assessment_type="imsqti_xmlv1p2/imscc_xmlv1p3/assessment",
    lom_version=True,
)


def cartridge(site: Site, version: CartridgeVersion) -> dict[str, bytes]:
    entries = dict(site.files)
    descriptors: dict[str, bytes] = {}

    def module_activities(module: Module) -> tuple[list[Item], list[Resource]]:
        items: list[Item] = []
        resources: list[Resource] = []
        for quiz in _graded_quizzes_of(site.course, module):
            identifier = ncname("quiz", quiz.id)
            path = f"{DESCRIPTOR_DIR}/{module.id}/{_quiz_key(quiz, module)}.xml"
            title = quiz_title(site.course, quiz)
            descriptors[path] = assessment_xml(quiz, title, site.reporter)
            resources.append(Resource(identifier, None, (path,), type=version.assessment_type))
            items.append(Item(ncname("item", identifier), title, identifier))
        for number, link in enumerate(module.links, start=1):
            identifier = ncname("link", module.id, str(number))
            path = f"{DESCRIPTOR_DIR}/{module.id}/link-{number}.xml"
            descriptors[path] = _weblink_xml(version, link.title, link.url)
            resources.append(Resource(identifier, None, (path,), type=version.weblink_type))
            items.append(Item(ncname("item", identifier), link.title, identifier))
        if module.discussion:
            identifier = ncname("discussion", module.id)
            path = f"{DESCRIPTOR_DIR}/{module.id}/discussion.xml"
            descriptors[path] = _discussion_xml(version, module.title, module.discussion)
            resources.append(Resource(identifier, None, (path,), type=version.discussion_type))
            items.append(Item(ncname("item", identifier), module.title, identifier))
        return items, resources

    model = outline_model(site, module_activities, overview_in_folder=True)
    entries.update(descriptors)
    entries[MANIFEST] = manifest_xml(model, version.dialect())
    return entries


def _graded_quizzes_of(course: Course, module: Module) -> list[Quiz]:
    """The module's graded quizzes and exams, in reading order.

    Knowledge checks stay in the lesson pages: as LMS quizzes they would put
    practice into every learner's gradebook.
    """
    lessons = {lesson.id for lesson in module.lessons}
    return [quiz for quiz in course.graded_quizzes if quiz.lesson_id in lessons]


def _quiz_key(quiz: Quiz, module: Module) -> str:
    """A file name for the quiz's descriptor, unique within its module's folder."""
    return quiz.id.removeprefix(f"{module.id}/").replace("/", ".")


def _weblink_xml(version: CartridgeVersion, title: str, url: str) -> bytes:
    ns = f"{{{version.weblink_namespace}}}"
    root = etree.Element(f"{ns}webLink", nsmap={None: version.weblink_namespace})  # type: ignore[dict-item]
    etree.SubElement(root, f"{ns}title").text = title
    etree.SubElement(root, f"{ns}url", href=url, target="_blank")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _discussion_xml(version: CartridgeVersion, title: str, prompt: str) -> bytes:
    ns = f"{{{version.discussion_namespace}}}"
    root = etree.Element(f"{ns}topic", nsmap={None: version.discussion_namespace})  # type: ignore[dict-item]
    etree.SubElement(root, f"{ns}title").text = title
    etree.SubElement(root, f"{ns}text", texttype="text/plain").text = prompt
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class CommonCartridge11(PackageFormat):
    name: ClassVar[str] = "imscc11"
    label: ClassVar[str] = CC11.label
    suffix: ClassVar[str] = ".imscc"
    graded_in_pages: ClassVar[bool] = False

    def package(self, site: Site) -> dict[str, bytes]:
        return cartridge(site, CC11)


class CommonCartridge13(PackageFormat):
    name: ClassVar[str] = "imscc13"
    label: ClassVar[str] = CC13.label
    suffix: ClassVar[str] = ".imscc"
    graded_in_pages: ClassVar[bool] = False

    def package(self, site: Site) -> dict[str, bytes]:
        return cartridge(site, CC13)
