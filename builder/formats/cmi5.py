"""cmi5: the course as one assignable unit (AU) that reports to an xAPI LRS.

The LMS imports ``cmi5.xml`` and launches the AU's URL with the LRS endpoint, a
one-time token URL, the actor and the registration; the player's cmi5 adapter
(``sabaq.js``) takes it from there. Course and AU ids are IRIs: ``urn:sabaq:`` plus
the course id, so they stay the same for every version of the course.
"""

from __future__ import annotations

from typing import ClassVar

from lxml import etree

from builder.formats.base import PackageFormat
from builder.render import PLAYER_PAGE, Site

NS_CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
COURSE_STRUCTURE = "cmi5.xml"


def course_iri(course_id: str) -> str:
    return f"urn:sabaq:course:{course_id}"


def course_structure_xml(site: Site) -> bytes:
    config = site.course.config
    ns = f"{{{NS_CMI5}}}"
    root = etree.Element(f"{ns}courseStructure", nsmap={None: NS_CMI5})  # type: ignore[dict-item]
    course = etree.SubElement(root, f"{ns}course", id=course_iri(config.id))
    _langstrings(etree.SubElement(course, f"{ns}title"), ns, config.title, site.lang)
    _langstrings(
        etree.SubElement(course, f"{ns}description"),
        ns,
        config.description or config.title,
        site.lang,
    )
    graded = bool(site.course.graded_quizzes)
    au = etree.SubElement(
        root,
        f"{ns}au",
        id=f"{course_iri(config.id)}:au",
        # With graded quizzes the LMS waits for both statements before the learner moves on.
        moveOn="CompletedAndPassed" if graded else "Completed",
        launchMethod="AnyWindow",
    )
    if graded:
        au.set("masteryScore", f"{config.mastery_score / 100:.2f}")
    _langstrings(etree.SubElement(au, f"{ns}title"), ns, config.title, site.lang)
    _langstrings(
        etree.SubElement(au, f"{ns}description"), ns, config.description or config.title, site.lang
    )
    etree.SubElement(au, f"{ns}url").text = PLAYER_PAGE
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _langstrings(parent: etree._Element, ns: str, text: str, lang: str) -> None:
    etree.SubElement(parent, f"{ns}langstring", lang=lang).text = text


class Cmi5(PackageFormat):
    name: ClassVar[str] = "cmi5"
    label: ClassVar[str] = "cmi5"
    multilingual: ClassVar[bool] = True

    def package(self, site: Site) -> dict[str, bytes]:
        entries = dict(site.files)
        entries[PLAYER_PAGE] = site.render_player(api="cmi5")
        entries[COURSE_STRUCTURE] = course_structure_xml(site)
        return entries
