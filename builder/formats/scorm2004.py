"""SCORM 2004 4th Edition, one SCO, with only the sequencing Moodle runs safely.

Like SCORM 1.2, the course is one SCO whose player keeps the session. Sequencing is
limited to flow and choice navigation; no global objectives (``imsss:mapInfo``),
because any of them crashes Moodle 5.0's SCORM upload. Completion and success are
reported separately by the runtime (``cmi.completion_status``/``cmi.success_status``).
"""

from __future__ import annotations

from typing import ClassVar

from lxml import etree

from builder.formats.base import PackageFormat
from builder.manifest import (
    MANIFEST,
    Dialect,
    Item,
    PackageModel,
    Resource,
    lom_general,
    manifest_xml,
    single_sco_model,
)
from builder.render import PLAYER_PAGE, Site

NS_CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
NS_ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
NS_ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
NS_ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
NS_IMSSS = "http://www.imsglobal.org/xsd/imsss"
NS_LOM = "http://ltsc.ieee.org/xsd/LOM"


def _lom(metadata: etree._Element, model: PackageModel) -> None:
    lom_general(metadata, NS_LOM, model)


def _item_sequencing(element: etree._Element, item: Item, graded: bool) -> None:
    if item.resource is None:
        return
    sequencing = etree.SubElement(element, f"{{{NS_IMSSS}}}sequencing")
    if graded and item.mastery_score is not None:
        # The LMS learns the pass mark (cmi.scaled_passing_score) from here; a local
        # primary objective only, because global objectives (mapInfo) crash Moodle.
        objectives = etree.SubElement(sequencing, f"{{{NS_IMSSS}}}objectives")
        primary = etree.SubElement(
            objectives,
            f"{{{NS_IMSSS}}}primaryObjective",
            objectiveID="course-mastery",
            satisfiedByMeasure="true",
        )
        etree.SubElement(
            primary, f"{{{NS_IMSSS}}}minNormalizedMeasure"
        ).text = f"{item.mastery_score / 100:.2f}"
    # The content, not the LMS, decides completion and success: a learner who opens
    # the course and leaves has not completed it.
    etree.SubElement(
        sequencing,
        f"{{{NS_IMSSS}}}deliveryControls",
        tracked="true",
        completionSetByContent="true",
        objectiveSetByContent="true",
    )


def _organization_sequencing(organization: etree._Element, _model: PackageModel) -> None:
    sequencing = etree.SubElement(organization, f"{{{NS_IMSSS}}}sequencing")
    etree.SubElement(sequencing, f"{{{NS_IMSSS}}}controlMode", choice="true", flow="true")


def _scorm_type(element: etree._Element, resource: Resource) -> None:
    element.set(f"{{{NS_ADLCP}}}scormType", resource.scorm_type or "asset")


def dialect(graded: bool) -> Dialect:
    """SCORM 2004's way of writing the package; ``graded``: the course has graded quizzes."""
    return Dialect(
        namespace=NS_CP,
        nsmap={"adlcp": NS_ADLCP, "adlseq": NS_ADLSEQ, "adlnav": NS_ADLNAV, "imsss": NS_IMSSS},
        schema="ADL SCORM",
        schema_version="2004 4th Edition",
        schema_locations=(
            f"{NS_CP} imscp_v1p1.xsd {NS_ADLCP} adlcp_v1p3.xsd {NS_ADLSEQ} adlseq_v1p3.xsd "
            f"{NS_ADLNAV} adlnav_v1p3.xsd {NS_IMSSS} imsss_v1p0.xsd"
        ),
        metadata=_lom,
        item=lambda element, item: _item_sequencing(element, item, graded),
        organization_extra=_organization_sequencing,
        resource=_scorm_type,
    )


class Scorm2004(PackageFormat):
    name: ClassVar[str] = "scorm2004"
    label: ClassVar[str] = "SCORM 2004 4th Edition"
    multilingual: ClassVar[bool] = True

    def package(self, site: Site) -> dict[str, bytes]:
        entries = dict(site.files)
        entries[PLAYER_PAGE] = site.render_player(api="scorm2004")
        model = single_sco_model(site, list(entries))
        entries[MANIFEST] = manifest_xml(model, dialect(bool(site.course.graded_quizzes)))
        return entries
