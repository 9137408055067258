"""IMS Common Cartridge 1.1 (Moodle's course import) and 1.3 (Canvas, Brightspace, Sakai).

Moodle restores a 1.1 cartridge into a course: the organisation's single root item
has one child per section, so the course overview and each module become sections;
lesson pages become Moodle pages, graded quizzes and exams Moodle quizzes (QTI 1.2
assessments, see :mod:`builder.qti`), ``links:`` in module.yml web links (URL
activities) and ``discussion:`` a forum. Moodle validates the manifest against the
CC schemas and aborts on any error, and reads the CC namespace only as the default
``xmlns`` within the manifest's first kilobyte, so nothing comes before it.

Every LMS shows a cartridge's pages inside its own layout and cleans them, so each
page is the lesson standing alone (:mod:`builder.standalone`), written to survive
Moodle's import (see :func:`survives_moodle_formatting`); the site's theme does not
come along. Moodle gives sections no name: the converter puts each folder's title
into the section's summary (:func:`_section_titles_for_moodle`). Web links ask for
a new window (``url@target``), which Canvas follows and Moodle's import ignores.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import ClassVar
from urllib.parse import unquote, urlsplit

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
from builder.render import HOME_PAGE, Site
from builder.standalone import (
    apply_script_styles,
    is_relative,
    references,
    standalone_article,
    theme_words,
    wrapped,
)
from builder.theme import STATIC_DIR

MOODLE_RESTORE_LINKS = True
"""Write the links between a CC 1.1 cartridge's pages, and from a page to its graded
quizzes, as Moodle's restore resolves them (see :class:`_StandalonePages`); plain
relative links would become course files Moodle's import never copies. ``sabaq
validate`` checks that each such link leads to an item of the right kind."""

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
    moodle_import: bool
    """Moodle's course import is the LMS that reads this version (Moodle reads only 1.0
    and 1.1): pages link to each other as Moodle resolves it and are written to survive
    its auto-format, section titles are escaped as it reads them."""

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
    moodle_import=True,
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
    moodle_import=False,
)


def cartridge(site: Site, version: CartridgeVersion) -> dict[str, bytes]:
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

    model = _without_theme(outline_model(site, module_activities, overview_in_folder=True))
    if version.moodle_import:
        model = _section_titles_for_moodle(model)
    manifest = manifest_xml(model, version.dialect())
    pages = _StandalonePages(site, version, model, manifest)
    entries: dict[str, bytes] = {}
    for name in sorted(model.files()):
        if name in pages.titles:
            entries[name] = pages.document(name)
        elif name in descriptors:
            entries[name] = descriptors[name]
        else:
            entries[name] = site.files[name]
    entries[MANIFEST] = manifest
    return entries


def _without_theme(model: PackageModel) -> PackageModel:
    """The model without the site's theme (stylesheets, script, fonts).

    No cartridge page links to them: the LMS shows each page inside its own layout and
    removes stylesheets, scripts and ``@font-face`` from it (Moodle and Canvas both).
    """
    theme = {
        resource.identifier
        for resource in model.resources
        if resource.files and all(name.startswith(f"{STATIC_DIR}/") for name in resource.files)
    }
    kept = tuple(
        replace(
            resource,
            dependencies=tuple(d for d in resource.dependencies if d not in theme),
        )
        for resource in model.resources
        if resource.identifier not in theme
    )
    return replace(model, resources=kept)


def _section_titles_for_moodle(model: PackageModel) -> PackageModel:
    """Section folders' titles escaped once more, as Moodle's import reads them.

    Moodle's converter (``backup/cc/cc2moodle.php``) pastes the title of each folder
    under the root item, unescaped, into the XML it writes as the section's summary
    (it has no field for a section's name). A title with ``&``, ``<`` or ``>`` would
    break that XML and the whole import; escaped once more here, the summary reads
    as the author wrote it. Other titles are unchanged.
    """
    items = tuple(
        replace(item, title=html.escape(item.title, quote=False))
        for item in model.organization.items
    )
    return replace(model, organization=replace(model.organization, items=items))


class _StandalonePages:
    """The cartridge's pages, each standing alone (see :mod:`builder.standalone`).

    Links between pages are written the way the version's LMS resolves them.
    Moodle's import (``backup/cc/entity11.resource.class.php``) keeps a page's body,
    cleaned, and turns every relative link that names a file of the cartridge into a
    course file, but it never copies a cartridge's HTML files there, so a link to
    another page would end as a broken file (each an "error migrating file" warning).
    With :data:`MOODLE_RESTORE_LINKS`, links to pages and quizzes are written as
    Moodle's own backups encode them (``$@PAGEVIEWBYID*<n>@$``,
    ``$@QUIZVIEWBYID*<n>@$``): the import numbers the activities by the position of
    their item in the organisation (in document order, from 1), and the restore that
    follows turns these into the addresses of the restored activities. Other LMSs
    (CC 1.3) resolve relative links to the cartridge's pages, so those stay as they are.
    """

    def __init__(
        self, site: Site, version: CartridgeVersion, model: PackageModel, manifest: bytes
    ) -> None:
        self.site = site
        self.version = version
        course = site.course
        self.titles = {HOME_PAGE: course.config.title}
        self.titles.update((lesson.output_path, lesson.title) for lesson in course.lessons)
        self.lessons = {lesson.output_path: lesson for lesson in course.lessons}
        numbers = _item_numbers(manifest)
        by_href = {r.href: r.identifier for r in model.resources if r.href}
        self.page_numbers = {
            path: numbers[by_href[path]] for path in self.titles if by_href.get(path) in numbers
        }
        self.quiz_numbers = {
            quiz.id: numbers[ncname("quiz", quiz.id)]
            for quiz in course.graded_quizzes
            if ncname("quiz", quiz.id) in numbers
        }
        self.moodle_links = version.moodle_import and MOODLE_RESTORE_LINKS
        (self.right_answer,) = theme_words(site.ui_catalog, "The right answer:")

    def document(self, path: str) -> bytes:
        lesson = self.lessons.get(path)
        quizzes = {q.id: q for q in self.site.course.quizzes_of(lesson)} if lesson else {}
        article = standalone_article(
            self.site.files[path], quizzes, self.right_answer, self._quiz_href
        )
        self._rewrite_links(article, path)
        style = apply_script_styles(article, self.site.lang)
        body = wrapped(article, self.site, style)
        if self.version.moodle_import:
            body = survives_moodle_formatting(body)
        site = self.site
        return (
            "<!DOCTYPE html>\n"
            f'<html lang="{site.lang}" dir="{site.dir}">\n'
            '<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(self.titles[path])}</title>\n"
            "</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n"
        ).encode()

    def _quiz_href(self, quiz: Quiz) -> str | None:
        number = self.quiz_numbers.get(quiz.id)
        return f"$@QUIZVIEWBYID*{number}@$" if self.moodle_links and number else None

    def _rewrite_links(self, article: etree._Element, path: str) -> None:
        if not self.version.moodle_import:
            return  # relative links, which other LMSs resolve to the cartridge's pages
        for element, attribute in references(article):
            reference = element.get(attribute, "")
            if not is_relative(reference) or _MOODLE_LINK.fullmatch(reference):
                continue
            parts = urlsplit(reference)
            target = posixpath.normpath(
                posixpath.join(posixpath.dirname(path), unquote(parts.path))
            )
            if self.moodle_links and target in self.page_numbers:
                fragment = f"#{parts.fragment}" if parts.fragment else ""
                element.set(attribute, f"$@PAGEVIEWBYID*{self.page_numbers[target]}@${fragment}")
            elif "/" not in parts.path:
                # Moodle replaces each file's address throughout the page, one after the
                # other: a bare name ('table.csv') would be found again inside an address
                # already replaced, and garbled. With a '/' it never is.
                element.set(attribute, "./" + reference)


_MOODLE_LINK = re.compile(r"\$@[A-Z]+\*\d+@\$(?:#.*)?")
"""A link as Moodle's backups encode it, which its restore resolves."""


def _item_numbers(manifest: bytes) -> dict[str, int]:
    """Resource identifier → the number Moodle's import gives the activity of its item.

    ``cc2moodle::create_instances()`` numbers the organisation's items in document
    order from 1 (the root item included); the number becomes the course module's id
    in the backup it converts the cartridge to.
    """
    numbers: dict[str, int] = {}
    items = etree.fromstring(manifest).iter("{*}item")
    for number, item in enumerate(items, start=1):
        resource = item.get("identifierref")
        if resource and resource not in numbers:
            numbers[resource] = number
    return numbers


_TOKEN = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)|([^<]+)""")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")
_PRE_TAG = re.compile(r"</?pre(?![A-Za-z0-9])", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\s*\n\s*")
_INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "br",
        "cite",
        "code",
        "del",
        "dfn",
        "em",
        "i",
        "img",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
    ]
)


def survives_moodle_formatting(markup: str) -> str:
    """``markup`` written so that Moodle's "Moodle auto-format" leaves it as it reads.

    Moodle's cartridge import stores a page in that format (the format of a legacy
    resource's ``reference``, empty: 0), and shows it through ``text_to_html()``:
    whitespace between two tags is deleted and every other line break becomes
    ``<br>``. So line breaks in text become spaces; in code (``<pre>``) they become
    ``<br>`` and each indentation or space between two tags moves into the text that
    follows it; a space between two inline elements (``<em>a</em> <code>b</code>``)
    becomes a no-break space. Line breaks between blocks stay (Moodle deletes them,
    and they mean nothing there). Any HTML reader shows the result as before.
    """
    out: list[str] = []
    in_pre = 0
    pending = ""
    tokens: list[tuple[str, str]] = _TOKEN.findall(markup)
    for index, (tag, text) in enumerate(tokens):
        if tag:
            if tag[1] in "pP/" and _PRE_TAG.match(tag):
                in_pre += -1 if tag.startswith("</") else 1
                pending = ""
                if tag == "</pre>":
                    _drop_last_line_break(out)
            if "\n" in tag:
                tag = tag.replace("\n", " ")  # nl2br would write <br> into an attribute
            out.append(tag)
            continue
        if in_pre:
            lines = text.split("\n")
            for number, line in enumerate(lines):
                if number:
                    out.append("<br>")
                    pending = ""
                if not line:
                    continue
                if line.strip(" \t"):
                    out.append(pending + line)
                    pending = ""
                else:
                    pending += line  # whitespace alone between two tags: carried forward
            continue
        if text.strip():
            out.append(_LINE_BREAK.sub(" ", text) if "\n" in text else text)
        else:  # deleted by Moodle: harmless between blocks, but not between two words
            out.append("\u00a0" if _between_inline(tokens, index) else text)
    return "".join(out)


def _drop_last_line_break(out: list[str]) -> None:
    """Drop the line breaks that end a code block, before the tags closing it: nothing
    follows them (``out`` is what comes before the block's ``</pre>``)."""
    end = len(out)
    while end and _CLOSING_TAG.fullmatch(out[end - 1]):
        end -= 1
    start = end
    while start and out[start - 1] == "<br>":
        start -= 1
    del out[start:end]


_CLOSING_TAG = re.compile(r"</[A-Za-z]+>")


@lru_cache(maxsize=4096)  # pages repeat a few hundred distinct tags thousands of times
def _tag_name(tag: str) -> str:
    found = _TAG_NAME.match(tag)
    return found[1].lower() if found else ""


def _between_inline(tokens: list[tuple[str, str]], index: int) -> bool:
    before = tokens[index - 1][0] if index > 0 else ""
    after = tokens[index + 1][0] if index + 1 < len(tokens) else ""
    return bool(before and after) and {_tag_name(before), _tag_name(after)} <= _INLINE


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
    carries_theme: ClassVar[bool] = False

    def package(self, site: Site) -> dict[str, bytes]:
        return cartridge(site, CC11)


class CommonCartridge13(PackageFormat):
    name: ClassVar[str] = "imscc13"
    label: ClassVar[str] = CC13.label
    suffix: ClassVar[str] = ".imscc"
    graded_in_pages: ClassVar[bool] = False
    carries_theme: ClassVar[bool] = False

    def package(self, site: Site) -> dict[str, bytes]:
        return cartridge(site, CC13)
