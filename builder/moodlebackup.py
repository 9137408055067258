"""A Moodle course backup (``.mbz``, format *moodle2*) that restores into a native course.

Moodle restores what its own backup writes, so this module writes exactly that, read
from Moodle's backup and restore steps (``backup/moodle2/backup_stepslib.php`` and
``restore_stepslib.php``, ``mod/page`` and ``mod/quiz/backup/moodle2``, the
``question/type/*/backup`` plugins). The backup declares Moodle 4.1 (backup version
2022112800): every later Moodle restores it, 4.1 included.

What restores where:

============================  ==============================================================
course source                 Moodle
============================  ==============================================================
course                        course (format *topics*), summary = description, completion on
module                        section 1, 2, … named after the module, summary = description
lesson                        Page (``mod_page``), completed when viewed
graded quiz, exam             Quiz (``mod_quiz``) after the page of the lesson it is in,
                              its questions in a question category of the quiz's own bank
knowledge check               stays in the page, static: the answer behind ``<details>``
``pool=N``                    N random slots drawing from the quiz's category
grading rule                  course total = the course score (a calculated grade), course
                              completion = course total ≥ ``mastery_score``
``links:`` of a module        URL (``mod_url``) per link after the module's lessons,
                              opening in a new window
``discussion:`` of a module   Forum (``mod_forum``, a standard general forum) after them,
                              the prompt as its description, shown on the course page
``navigation: linear``        access restrictions: each activity opens once the lesson page
                              before it has been viewed (see :func:`restrict_to_reading_order`)
============================  ==============================================================

Pages stand alone (:mod:`builder.standalone`, shared with the Common Cartridge
formats): the lesson's article without the Sabaq site around it (no outline, pager,
player or script), links between lessons encoded the way ``mod_page``'s backup
encodes them (``$@PAGEVIEWBYID*<cmid>@$``, which the restore turns into the new
page's address), images and downloads in the page's own file area
(``@@PLUGINFILE@@/…``), code highlighted with inline styles (which survive Moodle's
HTML cleaning, unlike classes without their stylesheet), and the language and
direction kept on a wrapping ``<div>``.

Knowledge checks become static: each question with its choices, and hints and the
right answer behind ``<details>``, which needs no script. ``mod_page`` shows its
content without cleaning (``noclean``), so ``<details>`` works in every theme; a
site that forces cleaning everywhere shows the answer open below the question, still
usable as a self-check. Ungraded Moodle quizzes would do the same job but put
practice into every learner's gradebook.

Questions come from :func:`builder.questionbank.moodle_xml`, the one conversion of
Sabaq's questions to Moodle's types (fractions, feedback, tolerances, wildcards),
mapped field by field onto the backup's question tables. Images and downloads in a
question's texts go into that text's file area (``question``/``questiontext``,
``answer``, ``hint``, …), and links to lessons are encoded as in pages, as the restore
reads them (see :class:`QuestionTexts`). Ordering questions are the exception:
``qtype_ordering`` is in Moodle's core only since 4.4, and a backup of a question
whose type a site lacks does not restore, so they become matching questions that pair
each item with its position (a warning names each one).

Identifiers: activity, question-bank-entry and category ``idnumber`` fields carry
Sabaq's ids (lesson, quiz and question ids), so they are the same in every version of
a course; the numeric ids inside the backup only link its files together and the
restore replaces them all. The same sources give the same bytes: every id, stamp and
timestamp is derived from the course (times from ``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import quote, unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html

from builder.archive import DEFAULT_EPOCH
from builder.assessment import Question, Quiz
from builder.errors import Reporter
from builder.grading import grading_policy
from builder.model import CONTENT_DIR, Course, Lesson, Module
from builder.qti import number_text, quiz_title, render_html, warn_once
from builder.questionbank import moodle_xml
from builder.render import HOME_PAGE, Site
from builder.standalone import (
    is_relative,
    references,
    standalone_article,
    theme_words,
    wrapped,
)

MOODLE_BACKUP = "moodle_backup.xml"
"""The file Moodle looks for at the root to call an archive a moodle2 backup."""
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
"""Moodle detects its format by this exact text (double quotes) in the first 200 bytes."""
NULL = "$@NULL@$"
"""How Moodle's backup writes a database NULL."""

BACKUP_VERSION = "2022112800"
"""Moodle 4.1.0; ``backup_version`` and ``moodle_version`` of the backup."""
BACKUP_RELEASE = "4.1"
MOODLE_RELEASE = "4.1 (Build: 20221128)"
PLUGIN_VERSION = "2022112800"
"""``mod_page``, ``mod_quiz``, ``mod_url`` and ``mod_forum`` of Moodle 4.1.0; the quiz
restore reads slots by this."""

SYSTEM_CONTEXT = 1
COURSE_ID = 2
COURSE_CONTEXT = 2
COURSE_CATEGORY = 1
"""The course's top grade category (and the course grade item's id)."""
FIRST_ACTIVITY_CONTEXT = 3
FORMAT_HTML = 1
FORMAT_MOODLE = 0
TOP_CATEGORY = "top"
"""The name Moodle gives every question bank's invisible root category."""

# mod_quiz_display_options: when a review option applies.
DURING = 0x10000
IMMEDIATELY_AFTER = 0x01000
LATER_WHILE_OPEN = 0x00100
AFTER_CLOSE = 0x00010
AFTER_SUBMITTING = IMMEDIATELY_AFTER | LATER_WHILE_OPEN | AFTER_CLOSE
ALWAYS = DURING | AFTER_SUBMITTING

COMPLETION_NONE = 0
COMPLETION_AUTOMATIC = 2
COMPLETION_COMPLETE = 1
"""The state an access restriction waits for (``COMPLETION_COMPLETE``; passed or failed count too)."""
COMPLETION_CRITERIA_ACTIVITY = 4
COMPLETION_CRITERIA_GRADE = 6
COMPLETION_AGGREGATION_ALL = 1
GRADE_AGGREGATE_SUM = 13
"""Natural, Moodle's default; the course total is calculated anyway (see :func:`course_formula`)."""
GRADE_HIGHEST = 1
"""``QUIZ_GRADEHIGHEST``: the best attempt counts, as in Sabaq's grading rule."""
IDNUMBER_LIMIT = 100
"""``course_modules.idnumber`` and ``grade_items.idnumber`` hold 100 characters."""
DISPLAY_NEW_WINDOW = 3
"""``RESOURCELIB_DISPLAY_NEW``: a URL activity opens its address in a new window."""
EMPTY_PHP_ARRAY = "a:0:{}"
"""``serialize(array())``: what ``url_add_instance()`` stores as the options of such a URL."""
FORUM_GENERAL = "general"
"""A standard forum for general use, the type Moodle's form proposes."""
FORUM_ATTACHMENTS = 9
"""Moodle's default ``forum_maxattachments``, which a forum made in the form gets."""
FORUM_TRACKING_OPTIONAL = 1


# --------------------------------------------------------------------------- XML


def xml_document(root: etree._Element) -> bytes:
    """A backup file as Moodle writes it: its declaration, then the indented tree."""
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def _text(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _add(parent: etree._Element, tag: str, value: object = None, **attributes: object) -> None:
    element = etree.SubElement(parent, tag, {k: _text(v) for k, v in attributes.items()})
    element.text = _text(value)


def _fields(parent: etree._Element, values: Iterable[tuple[str, object]]) -> etree._Element:
    for tag, value in values:
        _add(parent, tag, value)
    return parent


def _element(tag: str, **attributes: object) -> etree._Element:
    return etree.Element(tag, {k: _text(v) for k, v in attributes.items()})


def _child(parent: etree._Element, tag: str, **attributes: object) -> etree._Element:
    return etree.SubElement(parent, tag, {k: _text(v) for k, v in attributes.items()})


def grade(value: float) -> str:
    """A grade as Moodle's tables keep it (5 decimals)."""
    return f"{value:.5f}"


def fraction(value: float) -> str:
    """A mark or an answer's fraction (7 decimals)."""
    return f"{value:.7f}"


def _empty(tag: str, *children: str) -> bytes:
    root = etree.Element(tag)
    for child in children:
        etree.SubElement(root, child)
    return xml_document(root)


# --------------------------------------------------------------------------- the plan


@dataclass
class _File:
    id: int
    contextid: int
    component: str
    filearea: str
    itemid: int
    path: str
    """Below the file area, e.g. ``01-ledgers/images/chain.svg``."""
    data: bytes

    @property
    def contenthash(self) -> str:
        return hashlib.sha1(self.data).hexdigest()


@dataclass
class _Activity:
    cmid: int
    modulename: str
    instance: int
    title: str
    idnumber: str
    section: _Section
    lesson: Lesson | None = None
    """The lesson a page shows or a quiz is in; None for a module's links and forum."""
    quiz: Quiz | None = None
    grade_item: int | None = None
    url: str | None = None
    """A URL activity's address."""
    prompt: str | None = None
    """A forum's discussion prompt."""
    availability: str | None = None
    """The access restriction (Moodle's availability JSON), None when always open."""

    @property
    def contextid(self) -> int:
        return FIRST_ACTIVITY_CONTEXT + self.cmid - 1

    @property
    def source_lesson(self) -> Lesson:
        """The lesson of a page or quiz, from whose folder its relative references start."""
        assert self.lesson is not None, f"{self.modulename} {self.cmid} belongs to no lesson"
        return self.lesson

    @property
    def directory(self) -> str:
        return f"activities/{self.modulename}_{self.cmid}"


@dataclass
class _Section:
    id: int
    number: int
    name: str | None
    summary: str
    activities: list[_Activity] = field(default_factory=list)

    @property
    def directory(self) -> str:
        return f"sections/section_{self.id}"


@dataclass
class _Counter:
    value: int = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def epoch() -> int:
    """The time every record says it was made: ``SOURCE_DATE_EPOCH``, else the build default."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(raw) if raw.isdigit() else DEFAULT_EPOCH


def idnumber(value: str) -> str:
    """A Sabaq id as an idnumber; one too long for Moodle's column is shortened stably."""
    if len(value) <= IDNUMBER_LIMIT:
        return value
    digest = hashlib.sha1(value.encode()).hexdigest()[:12]
    return f"{value[: IDNUMBER_LIMIT - 13]}~{digest}"


LINEAR = "linear"
"""``navigation`` in course.yml that makes lessons open in order."""


def _module_extras(
    module: Module, section: _Section, cmids: _Counter, instances: dict[str, _Counter]
) -> list[_Activity]:
    """After a module's lessons: a URL activity per further-reading link, then its forum.

    Their idnumbers say which module and link they come from, in a form no lesson or
    quiz id can take (``#`` is not allowed in file names or ids).
    """
    extras = [
        _Activity(
            cmids.next(),
            "url",
            instances["url"].next(),
            link.title,
            idnumber(f"{module.id}#link-{position}"),
            section,
            url=link.url,
        )
        for position, link in enumerate(module.links, start=1)
    ]
    if module.discussion:
        extras.append(
            _Activity(
                cmids.next(),
                "forum",
                instances["forum"].next(),
                # The cartridges name the forum after its module too.
                module.title,
                idnumber(f"{module.id}#discussion"),
                section,
                prompt=module.discussion,
            )
        )
    return extras


def restrict_to_reading_order(activities: Sequence[_Activity]) -> None:
    """``navigation: linear``: every activity after the first opens once the lesson page
    before it has been viewed.

    This is Sabaq's own rule ("each lesson opens once the ones before it have been
    seen"): a lesson's page waits for the page before it, and so, one by one, for every
    earlier lesson; a graded quiz waits for the page of its lesson; a module's links and
    forum for the module's last page. A quiz does not hold back the next lesson, as it
    does not in Sabaq's player, where the course result waits for the quizzes instead.
    Every condition is on a page, and pages are complete once viewed.
    """
    previous_page: _Activity | None = None
    for activity in activities:
        if previous_page is not None:
            activity.availability = completion_condition(previous_page.cmid)
        if activity.modulename == "page":
            previous_page = activity


def completion_condition(cmid: int) -> str:
    """Availability JSON that waits for activity ``cmid`` to be complete.

    The shape Moodle's *Restrict access* form saves (``availability_completion``), with
    the restriction shown to learners (``showc``) so they see what opens the activity;
    the restore maps ``cm`` to the restored activity.
    """
    tree = {
        "op": "&",
        "c": [{"type": "completion", "cm": cmid, "e": COMPLETION_COMPLETE}],
        "showc": [True],
    }
    return json.dumps(tree, separators=(",", ":"))


class MoodleBackup:
    """One course in one language as the entries of a ``.mbz``."""

    def __init__(self, site: Site, filename: str) -> None:
        self.site = site
        self.course: Course = site.course
        self.filename = filename
        self.reporter = site.reporter
        self.time = epoch()
        self.entries: dict[str, bytes] = {}
        self.files: list[_File] = []
        self.file_ids = _Counter()
        self.words = _Words(site)
        self.sections = self._plan_sections()
        self.activities = [a for section in self.sections for a in section.activities]
        self.by_lesson = {a.source_lesson.id: a for a in self.activities if a.modulename == "page"}
        self.by_quiz = {a.quiz.id: a for a in self.activities if a.quiz is not None}
        self.by_page = {a.source_lesson.output_path: a for a in self.by_lesson.values()}
        """Page activities by the place of their lesson's page in the site."""

    # ----------------------------------------------------------------- structure

    def _plan_sections(self) -> list[_Section]:
        course = self.course
        graded = {quiz.id for quiz in course.graded_quizzes}
        sections = [_Section(1, 0, None, _paragraphs(course.config.description))]
        cmids = _Counter()
        instances = {name: _Counter() for name in ("page", "quiz", "url", "forum")}
        grade_items = _Counter(COURSE_CATEGORY)
        for number, module in enumerate(course.modules, start=1):
            section = _Section(number + 1, number, module.title, _paragraphs(module.description))
            for lesson in module.lessons:
                section.activities.append(
                    _Activity(
                        cmids.next(),
                        "page",
                        instances["page"].next(),
                        lesson.title,
                        idnumber(lesson.id),
                        section,
                        lesson,
                    )
                )
                for quiz in course.quizzes_of(lesson):
                    if quiz.id not in graded:
                        continue
                    section.activities.append(
                        _Activity(
                            cmids.next(),
                            "quiz",
                            instances["quiz"].next(),
                            quiz_title(course, quiz),
                            idnumber(quiz.id),
                            section,
                            lesson,
                            quiz,
                            grade_items.next(),
                        )
                    )
            section.activities += _module_extras(module, section, cmids, instances)
            sections.append(section)
        if course.config.navigation == LINEAR:
            restrict_to_reading_order([a for section in sections for a in section.activities])
        return sections

    def entries_of_backup(self) -> dict[str, bytes]:
        questions = QuestionBank(self)
        for section in self.sections:
            self._section(section)
        for activity in self.activities:
            if activity.modulename == "quiz":
                self._quiz(activity, questions)
            elif activity.modulename == "url":
                self._url(activity)
            elif activity.modulename == "forum":
                self._forum(activity)
            else:
                self._page(activity)
        self._course()
        self.entries["questions.xml"] = questions.document()
        self.entries["gradebook.xml"] = self._gradebook()
        self.entries["completion.xml"] = self._completion()
        self._files()
        self.entries["roles.xml"] = _empty("roles_definition")
        self.entries["groups.xml"] = _empty("groups", "groupings")
        self.entries["scales.xml"] = _empty("scales_definition")
        self.entries["outcomes.xml"] = _empty("outcomes_definition")
        self.entries["badges.xml"] = _empty("badges")
        self.entries["grade_history.xml"] = _empty("grade_history", "grade_grades")
        self.entries[MOODLE_BACKUP] = self._moodle_backup()
        return self.entries

    # ----------------------------------------------------------------- moodle_backup.xml

    def _moodle_backup(self) -> bytes:
        config = self.course.config
        root = etree.Element("moodle_backup")
        information = _child(root, "information")
        _fields(
            information,
            [
                ("name", self.filename),
                ("moodle_version", BACKUP_VERSION),
                ("moodle_release", MOODLE_RELEASE),
                ("backup_version", BACKUP_VERSION),
                ("backup_release", BACKUP_RELEASE),
                ("backup_date", self.time),
                ("mnet_remoteusers", 0),
                ("include_files", 1),
                ("include_file_references_to_external_content", 0),
                ("original_wwwroot", "https://sabaq.invalid"),
                ("original_site_identifier_hash", self._hash("site")),
                ("original_course_id", COURSE_ID),
                ("original_course_format", "topics"),
                ("original_course_fullname", config.title),
                ("original_course_shortname", self.shortname),
                ("original_course_startdate", self.time),
                ("original_course_enddate", 0),
                ("original_course_contextid", COURSE_CONTEXT),
                ("original_system_contextid", SYSTEM_CONTEXT),
            ],
        )
        details = _child(information, "details")
        detail = _child(details, "detail", backup_id=self._hash("backup"))
        _fields(
            detail,
            [
                ("type", "course"),
                ("format", "moodle2"),
                ("interactive", 1),
                ("mode", 10),
                ("execution", 1),
                ("executiontime", 0),
            ],
        )
        contents = _child(information, "contents")
        activities = _child(contents, "activities")
        for activity in self.activities:
            _fields(
                _child(activities, "activity"),
                [
                    ("moduleid", activity.cmid),
                    ("sectionid", activity.section.id),
                    ("modulename", activity.modulename),
                    ("title", activity.title),
                    ("directory", activity.directory),
                ],
            )
        sections = _child(contents, "sections")
        for section in self.sections:
            _fields(
                _child(sections, "section"),
                [
                    ("sectionid", section.id),
                    ("title", section.name if section.name else section.number),
                    ("directory", section.directory),
                ],
            )
        _fields(
            _child(contents, "course"),
            [("courseid", COURSE_ID), ("title", self.shortname), ("directory", "course")],
        )
        settings = _child(information, "settings")
        for name, value in ROOT_SETTINGS:
            _fields(
                _child(settings, "setting"),
                [
                    ("level", "root"),
                    ("name", name),
                    ("value", self.filename if name == "filename" else value),
                ],
            )
        for section in self.sections:
            for suffix, value in (("included", 1), ("userinfo", 0)):
                _fields(
                    _child(settings, "setting"),
                    [
                        ("level", "section"),
                        ("section", f"section_{section.id}"),
                        ("name", f"section_{section.id}_{suffix}"),
                        ("value", value),
                    ],
                )
        for activity in self.activities:
            key = f"{activity.modulename}_{activity.cmid}"
            for suffix, value in (("included", 1), ("userinfo", 0)):
                _fields(
                    _child(settings, "setting"),
                    [
                        ("level", "activity"),
                        ("activity", key),
                        ("name", f"{key}_{suffix}"),
                        ("value", value),
                    ],
                )
        return xml_document(root)

    @property
    def shortname(self) -> str:
        config = self.course.config
        return config.id if self.site.lang == config.language else f"{config.id}-{self.site.lang}"

    def _hash(self, purpose: str) -> str:
        config = self.course.config
        seed = f"sabaq:{purpose}:{config.id}:{config.version}:{self.site.lang}"
        return hashlib.md5(seed.encode()).hexdigest()

    # ----------------------------------------------------------------- course

    def _course(self) -> None:
        config = self.course.config
        root = _element("course", id=COURSE_ID, contextid=COURSE_CONTEXT)
        _fields(
            root,
            [
                ("shortname", self.shortname),
                ("fullname", config.title),
                ("idnumber", ""),
                ("summary", _paragraphs(config.description)),
                ("summaryformat", FORMAT_HTML),
                ("format", "topics"),
                ("showgrades", 1),
                ("newsitems", 0),
                ("startdate", self.time),
                ("enddate", 0),
                ("relativedatesmode", 0),
                ("marker", 0),
                ("maxbytes", 0),
                ("legacyfiles", 0),
                ("showreports", 0),
                ("visible", 1),
                ("groupmode", 0),
                ("groupmodeforce", 0),
                ("defaultgroupingid", 0),
                # Forcing the course language would switch Moodle's own interface too;
                # the pages carry their language and direction themselves.
                ("lang", ""),
                ("theme", ""),
                ("timecreated", self.time),
                ("timemodified", self.time),
                ("requested", 0),
                ("showactivitydates", 0),
                ("showcompletionconditions", 1),
                ("enablecompletion", 1),
                ("completionstartonenrol", 0),
                ("completionnotify", 0),
                ("numsections", len(self.sections) - 1),
            ],
        )
        category = _child(root, "category", id=1)
        _fields(category, [("name", "Miscellaneous"), ("description", NULL)])
        _child(root, "tags")
        _child(root, "customfields")
        options = _child(root, "courseformatoptions")
        for name, value in (("hiddensections", 0), ("coursedisplay", 0)):
            _fields(
                _child(options, "courseformatoption"),
                [
                    ("courseid", COURSE_ID),
                    ("format", "topics"),
                    ("sectionid", 0),
                    ("name", name),
                    ("value", value),
                ],
            )
        self.entries["course/course.xml"] = xml_document(root)
        self.entries["course/inforef.xml"] = _empty("inforef")
        self.entries["course/roles.xml"] = _empty("roles", "role_overrides", "role_assignments")
        self.entries["course/enrolments.xml"] = _empty("enrolments", "enrols")
        self.entries["course/filters.xml"] = _empty("filters", "filter_actives", "filter_configs")
        self.entries["course/calendar.xml"] = _empty("events")
        self.entries["course/competencies.xml"] = _empty(
            "course_competencies", "competencies", "user_competencies"
        )
        self.entries["course/completiondefaults.xml"] = _empty("course_completion_defaults")

    def _section(self, section: _Section) -> None:
        root = _element("section", id=section.id)
        _fields(
            root,
            [
                ("number", section.number),
                ("name", section.name),
                ("summary", section.summary),
                ("summaryformat", FORMAT_HTML),
                ("sequence", ",".join(str(a.cmid) for a in section.activities)),
                ("visible", 1),
                ("availabilityjson", None),
                ("timemodified", self.time),
            ],
        )
        self.entries[f"{section.directory}/section.xml"] = xml_document(root)
        self.entries[f"{section.directory}/inforef.xml"] = _empty("inforef")

    # ----------------------------------------------------------------- activities

    def _module(self, activity: _Activity) -> None:
        completion, view, grade_item_number = COMPLETION_RULES[activity.modulename]
        root = _element("module", id=activity.cmid, version=PLUGIN_VERSION)
        _fields(
            root,
            [
                ("modulename", activity.modulename),
                ("sectionid", activity.section.id),
                ("sectionnumber", activity.section.number),
                ("idnumber", activity.idnumber),
                ("added", self.time),
                ("score", 0),
                ("indent", 0),
                ("visible", 1),
                ("visibleoncoursepage", 1),
                ("visibleold", 1),
                ("groupmode", 0),
                ("groupingid", 0),
                ("completion", completion),
                ("completiongradeitemnumber", grade_item_number),
                ("completionpassgrade", 0),
                ("completionview", view),
                ("completionexpected", 0),
                ("availability", activity.availability),
                # A forum's prompt is its description: learners read it on the course page.
                ("showdescription", activity.modulename == "forum"),
                ("downloadcontent", 1),
                ("lang", ""),
            ],
        )
        _child(root, "tags")
        base = activity.directory
        self.entries[f"{base}/module.xml"] = xml_document(root)
        self.entries[f"{base}/roles.xml"] = _empty("roles", "role_overrides", "role_assignments")
        self.entries[f"{base}/filters.xml"] = _empty("filters", "filter_actives", "filter_configs")
        self.entries[f"{base}/calendar.xml"] = _empty("events")
        self.entries[f"{base}/grade_history.xml"] = _empty("grade_history", "grade_grades")
        self.entries[f"{base}/competencies.xml"] = _empty(
            "course_module_competencies", "competencies"
        )
        self.entries[f"{base}/grades.xml"] = self._activity_grades(activity)

    def _activity_root(self, activity: _Activity) -> etree._Element:
        return _element(
            "activity",
            id=activity.instance,
            moduleid=activity.cmid,
            modulename=activity.modulename,
            contextid=activity.contextid,
        )

    def _inforef(
        self, activity: _Activity, files: Sequence[_File], categories: Sequence[int] = ()
    ) -> None:
        root = etree.Element("inforef")
        if files:
            refs = _child(root, "fileref")
            for file in files:
                _fields(_child(refs, "file"), [("id", file.id)])
        if activity.grade_item is not None:
            refs = _child(root, "grade_itemref")
            _fields(_child(refs, "grade_item"), [("id", activity.grade_item)])
        if categories:
            refs = _child(root, "question_categoryref")
            for category in categories:
                _fields(_child(refs, "question_category"), [("id", category)])
        self.entries[f"{activity.directory}/inforef.xml"] = xml_document(root)

    def _page(self, activity: _Activity) -> None:
        self._module(activity)
        content, files = PageContent(self, activity).html()
        root = self._activity_root(activity)
        page = _child(root, "page", id=activity.instance)
        _fields(
            page,
            [
                ("name", activity.title),
                ("intro", ""),
                ("introformat", FORMAT_HTML),
                ("content", content),
                ("contentformat", FORMAT_HTML),
                ("legacyfiles", 0),
                ("legacyfileslast", None),
                ("display", 5),
                (
                    "displayoptions",
                    'a:3:{s:12:"printheading";s:1:"1";s:10:"printintro";s:1:"0";'
                    's:17:"printlastmodified";s:1:"0";}',
                ),
                ("revision", 1),
                ("timemodified", self.time),
            ],
        )
        self.entries[f"{activity.directory}/page.xml"] = xml_document(root)
        self._inforef(activity, files)

    def _url(self, activity: _Activity) -> None:
        """A further-reading link; it opens in a new window, so the course stays open.

        (Embedding, which Moodle's cartridge import chooses, fails for the many sites
        that refuse to be framed.)
        """
        self._module(activity)
        root = self._activity_root(activity)
        _fields(
            _child(root, "url", id=activity.instance),
            [
                ("name", activity.title),
                ("intro", ""),
                ("introformat", FORMAT_HTML),
                ("externalurl", activity.url),
                ("display", DISPLAY_NEW_WINDOW),
                ("displayoptions", EMPTY_PHP_ARRAY),
                ("parameters", EMPTY_PHP_ARRAY),
                ("timemodified", self.time),
            ],
        )
        self.entries[f"{activity.directory}/url.xml"] = xml_document(root)
        self._inforef(activity, [])

    def _forum(self, activity: _Activity) -> None:
        """The module's discussion: a standard forum for general use, ungraded, whose
        description is the prompt (in the course's language and direction)."""
        assert activity.prompt is not None
        self._module(activity)
        prompt = lxml_html.fragment_fromstring(_paragraphs(activity.prompt), create_parent="div")
        root = self._activity_root(activity)
        forum = _child(root, "forum", id=activity.instance)
        _fields(
            forum,
            [
                ("type", FORUM_GENERAL),
                ("name", activity.title),
                ("intro", wrapped(prompt, self.site)),
                ("introformat", FORMAT_HTML),
                ("duedate", 0),
                ("cutoffdate", 0),
                ("assessed", 0),
                ("assesstimestart", 0),
                ("assesstimefinish", 0),
                ("scale", 0),
                ("maxbytes", 0),
                ("maxattachments", FORUM_ATTACHMENTS),
                ("forcesubscribe", 0),
                ("trackingtype", FORUM_TRACKING_OPTIONAL),
                ("rsstype", 0),
                ("rssarticles", 0),
                ("timemodified", self.time),
                ("warnafter", 0),
                ("blockafter", 0),
                ("blockperiod", 0),
                ("completiondiscussions", 0),
                ("completionreplies", 0),
                ("completionposts", 0),
                ("displaywordcount", 0),
                ("lockdiscussionafter", 0),
                ("grade_forum", 0),
                ("grade_forum_notify", 0),
            ],
        )
        # Learners' posts are user data, which a course template never holds.
        for tag in ("discussions", "subscriptions", "digests", "readposts", "trackedprefs"):
            _child(forum, tag)
        self.entries[f"{activity.directory}/forum.xml"] = xml_document(root)
        self._inforef(activity, [])

    def _quiz(self, activity: _Activity, bank: QuestionBank) -> None:
        quiz = activity.quiz
        assert quiz is not None
        self._module(activity)
        intro, files = self._quiz_intro(activity)
        pool = bank.add(activity)
        total = quiz.max_points
        review = REVIEW_REVEALED if quiz.reveal else REVIEW_HIDDEN
        root = self._activity_root(activity)
        element = _child(root, "quiz", id=activity.instance)
        _fields(
            element,
            [
                ("name", activity.title),
                ("intro", intro),
                ("introformat", FORMAT_HTML),
                ("timeopen", 0),
                ("timeclose", 0),
                ("timelimit", 0),
                ("overduehandling", "autosubmit"),
                ("graceperiod", 0),
                # Learners answer every question, submit once, then see the result.
                ("preferredbehaviour", "deferredfeedback"),
                ("canredoquestions", 0),
                ("attempts_number", quiz.attempts or 0),
                ("attemptonlast", 0),
                ("grademethod", GRADE_HIGHEST),
                ("decimalpoints", 2),
                ("questiondecimalpoints", -1),
                *review,
                ("questionsperpage", 0),
                ("navmethod", "free"),
                # Each question's own setting decides; this only allows it.
                ("shuffleanswers", 1),
                ("sumgrades", grade(total)),
                ("grade", grade(total)),
                ("timecreated", self.time),
                ("timemodified", self.time),
                ("password", ""),
                ("subnet", ""),
                ("browsersecurity", "-"),
                ("delay1", 0),
                ("delay2", 0),
                ("showuserpicture", 0),
                ("showblocks", 0),
                ("completionattemptsexhausted", 0),
                ("completionminattempts", 0),
                ("allowofflineattempts", 0),
            ],
        )
        instances = _child(element, "question_instances")
        for slot, (maxmark, entry, category) in enumerate(pool.slots, start=1):
            instance = _child(instances, "question_instance", id=bank.slot_ids.next())
            _fields(
                instance,
                [
                    ("slot", slot),
                    ("page", 1),
                    ("displaynumber", None),
                    ("requireprevious", 0),
                    ("maxmark", fraction(maxmark)),
                ],
            )
            if entry is not None:
                reference = _child(instance, "question_reference", id=bank.reference_ids.next())
                _fields(
                    reference,
                    [
                        ("usingcontextid", activity.contextid),
                        ("component", "mod_quiz"),
                        ("questionarea", "slot"),
                        ("questionbankentryid", entry),
                        ("version", None),  # always the latest version
                    ],
                )
            else:
                reference = _child(instance, "question_set_reference", id=bank.reference_ids.next())
                # The filter as Moodle 4.1 and 4.2 write it; 4.3 and later convert it on restore.
                condition = f'{{"questioncategoryid":"{category}","includingsubcategories":"0"}}'
                _fields(
                    reference,
                    [
                        ("usingcontextid", activity.contextid),
                        ("component", "mod_quiz"),
                        ("questionarea", "slot"),
                        ("questionscontextid", activity.contextid),
                        ("filtercondition", condition),
                    ],
                )
        sections = _child(element, "sections")
        _fields(
            _child(sections, "section", id=activity.instance),
            [("firstslot", 1), ("heading", ""), ("shufflequestions", quiz.shuffle)],
        )
        feedbacks = _child(element, "feedbacks")
        for number, (text, low, high) in enumerate(self._feedback_bands(quiz), start=1):
            _fields(
                _child(feedbacks, "feedback", id=(activity.instance - 1) * 2 + number),
                [
                    ("feedbacktext", text),
                    ("feedbacktextformat", FORMAT_HTML),
                    ("mingrade", grade(low)),
                    ("maxgrade", grade(high)),
                ],
            )
        for tag in ("overrides", "grades", "attempts"):
            _child(element, tag)
        self.entries[f"{activity.directory}/quiz.xml"] = xml_document(root)
        self._inforef(activity, files, pool.categories)

    def _quiz_intro(self, activity: _Activity) -> tuple[str, list[_File]]:
        quiz = activity.quiz
        assert quiz is not None
        if quiz.intro is None:
            return "", []
        area = _FileArea(self, activity.contextid, "mod_quiz", "intro")
        fragment = lxml_html.fragment_fromstring(render_html(quiz.intro), create_parent="div")
        links = _SourceLinks(self, quiz, activity.source_lesson, area)
        links.rewrite(fragment)
        return wrapped(fragment, self.site), area.files

    def pass_grade(self, quiz: Quiz) -> float:
        mark = quiz.pass_mark if quiz.pass_mark is not None else self.course.config.mastery_score
        return round(quiz.max_points * mark / 100, 5)

    def _feedback_bands(self, quiz: Quiz) -> list[tuple[str, float, float]]:
        """The quiz's overall feedback: passed or not, in the learner's language."""
        total = quiz.max_points
        mark = quiz.pass_mark if quiz.pass_mark is not None else self.course.config.mastery_score
        passed = self.words.passed.replace("{pass}", str(mark))
        failed = self.words.not_passed.replace("{pass}", str(mark))
        threshold = self.pass_grade(quiz)
        # Moodle's top band ends one above the maximum grade so that full marks fall in it.
        return [
            (f"<p>{html.escape(passed)}</p>", threshold, total + 1),
            (f"<p>{html.escape(failed)}</p>", 0.0, threshold),
        ]

    def _activity_grades(self, activity: _Activity) -> bytes:
        root = etree.Element("activity_gradebook")
        items = _child(root, "grade_items")
        quiz = activity.quiz
        if quiz is not None and activity.grade_item is not None:
            item = _child(items, "grade_item", id=activity.grade_item)
            _fields(
                item,
                _grade_item_fields(
                    category=COURSE_CATEGORY,
                    name=activity.title,
                    itemtype="mod",
                    module="quiz",
                    instance=activity.instance,
                    itemnumber=0,
                    idnumber=activity.idnumber,
                    calculation=None,
                    grademax=quiz.max_points,
                    gradepass=self.pass_grade(quiz),
                    sortorder=activity.grade_item,
                    time=self.time,
                ),
            )
            _child(item, "grade_grades")
        _child(root, "grade_letters")
        return xml_document(root)

    # ----------------------------------------------------------------- gradebook, completion

    def _gradebook(self) -> bytes:
        root = etree.Element("gradebook")
        _child(root, "attributes")
        categories = _child(root, "grade_categories")
        _fields(
            _child(categories, "grade_category", id=COURSE_CATEGORY),
            [
                ("parent", None),
                ("depth", 1),
                ("path", f"/{COURSE_CATEGORY}/"),
                ("fullname", "?"),
                ("aggregation", GRADE_AGGREGATE_SUM),
                ("keephigh", 0),
                ("droplow", 0),
                ("aggregateonlygraded", 1),
                ("aggregateoutcomes", 0),
                ("timecreated", self.time),
                ("timemodified", self.time),
                ("hidden", 0),
            ],
        )
        items = _child(root, "grade_items")
        formula = course_formula(self)
        item = _child(items, "grade_item", id=COURSE_CATEGORY)
        _fields(
            item,
            _grade_item_fields(
                category=None,
                name=None,
                itemtype="course",
                module=None,
                instance=COURSE_CATEGORY,
                itemnumber=None,
                idnumber=None,
                calculation=formula,
                grademax=100.0,
                gradepass=float(self.course.config.mastery_score) if formula else 0.0,
                sortorder=1,
                time=self.time,
            ),
        )
        _child(item, "grade_grades")
        _child(root, "grade_letters")
        settings = _child(root, "grade_settings")
        _fields(_child(settings, "grade_setting", id=1), [("name", "minmaxtouse"), ("value", 1)])
        return xml_document(root)

    def _completion(self) -> bytes:
        """The course is complete when the course total (the course score) reaches the
        mastery score; a course without graded quizzes, when every page has been viewed."""
        root = etree.Element("course_completion")
        criteria: list[tuple[int, str | None, int | None, float | None]] = []
        if course_formula(self) is not None:
            criteria.append(
                (COMPLETION_CRITERIA_GRADE, None, None, float(self.course.config.mastery_score))
            )
        else:
            criteria += [
                (COMPLETION_CRITERIA_ACTIVITY, "page", a.cmid, None)
                for a in self.activities
                if a.modulename == "page"
            ]
        for number, (kind, module, cmid, gradepass) in enumerate(criteria, start=1):
            element = _child(root, "course_completion_criteria", id=number)
            _fields(
                element,
                [
                    ("course", COURSE_ID),
                    ("criteriatype", kind),
                    ("module", module),
                    ("moduleinstance", cmid),
                    ("courseinstanceshortname", None),
                    ("enrolperiod", 0),
                    ("timeend", 0),
                    ("gradepass", grade(gradepass) if gradepass is not None else None),
                    ("role", None),
                    ("roleshortname", None),
                ],
            )
            _child(element, "course_completion_crit_completions")
        methods: list[int | None] = [None]
        if any(kind == COMPLETION_CRITERIA_ACTIVITY for kind, _, _, _ in criteria):
            methods.append(COMPLETION_CRITERIA_ACTIVITY)
        for number, method in enumerate(methods, start=1):
            _fields(
                _child(root, "course_completion_aggr_methd", id=number),
                [
                    ("course", COURSE_ID),
                    ("criteriatype", method),
                    ("method", COMPLETION_AGGREGATION_ALL),
                    ("value", None),
                ],
            )
        _child(root, "course_completions")
        return xml_document(root)

    # ----------------------------------------------------------------- files

    def add_file(
        self, contextid: int, component: str, filearea: str, path: str, data: bytes, itemid: int = 0
    ) -> _File:
        file = _File(self.file_ids.next(), contextid, component, filearea, itemid, path, data)
        self.files.append(file)
        return file

    def _files(self) -> None:
        root = etree.Element("files")
        for file in self.files:
            directory, name = posixpath.split(file.path)
            element = _child(root, "file", id=file.id)
            mimetype = _MIMETYPES.guess_type(name)[0] or "application/octet-stream"
            _fields(
                element,
                [
                    ("contenthash", file.contenthash),
                    ("contextid", file.contextid),
                    ("component", file.component),
                    ("filearea", file.filearea),
                    ("itemid", file.itemid),
                    ("filepath", f"/{directory}/" if directory else "/"),
                    ("filename", name),
                    ("userid", None),
                    ("filesize", len(file.data)),
                    ("mimetype", mimetype),
                    ("status", 0),
                    ("timecreated", self.time),
                    ("timemodified", self.time),
                    ("source", name),
                    ("author", None),
                    ("license", None),
                    ("sortorder", 0),
                    ("repositorytype", None),
                    ("repositoryid", None),
                    ("reference", None),
                ],
            )
            digest = file.contenthash
            self.entries[f"files/{digest[:2]}/{digest}"] = file.data
        self.entries["files.xml"] = xml_document(root)


_MIMETYPES = mimetypes.MimeTypes()
"""Python's own table only, not the machine's: the same file gets the same type everywhere."""

ROOT_SETTINGS: tuple[tuple[str, int], ...] = (
    ("filename", 0),
    ("imscc11", 0),
    ("users", 0),
    ("anonymize", 0),
    ("role_assignments", 0),
    ("activities", 1),
    ("blocks", 0),
    ("files", 1),
    ("filters", 1),
    ("comments", 0),
    ("badges", 0),
    ("calendarevents", 1),
    ("userscompletion", 0),
    ("logs", 0),
    ("grade_histories", 0),
    ("questionbank", 1),
    ("groups", 0),
    ("competencies", 0),
    ("customfield", 0),
    ("contentbankcontent", 0),
    ("legacyfiles", 0),
)
"""What the backup holds: no users or their data, every activity and its questions."""

COMPLETION_RULES: dict[str, tuple[int, int, int | None]] = {
    # Complete once viewed.
    "page": (COMPLETION_AUTOMATIC, 1, None),
    # Complete once graded, passed or not: the grade item's pass mark shows which.
    "quiz": (COMPLETION_AUTOMATIC, 0, 0),
    # Further reading and discussion are optional: tracking them would count them in
    # every learner's progress.
    "url": (COMPLETION_NONE, 0, None),
    "forum": (COMPLETION_NONE, 0, None),
}
"""Activity completion by module: (completion, completionview, completiongradeitemnumber)."""

REVIEW_REVEALED: tuple[tuple[str, object], ...] = (
    ("reviewattempt", ALWAYS),
    ("reviewcorrectness", AFTER_SUBMITTING),
    ("reviewmaxmarks", ALWAYS),
    ("reviewmarks", AFTER_SUBMITTING),
    ("reviewspecificfeedback", AFTER_SUBMITTING),
    ("reviewgeneralfeedback", AFTER_SUBMITTING),
    ("reviewrightanswer", AFTER_SUBMITTING),
    ("reviewoverallfeedback", AFTER_SUBMITTING),
)
"""``reveal=yes``: after submitting, the attempt with right answers and feedback."""
REVIEW_HIDDEN: tuple[tuple[str, object], ...] = (
    ("reviewattempt", DURING),
    ("reviewcorrectness", 0),
    ("reviewmaxmarks", AFTER_SUBMITTING),
    ("reviewmarks", AFTER_SUBMITTING),
    ("reviewspecificfeedback", 0),
    ("reviewgeneralfeedback", 0),
    ("reviewrightanswer", 0),
    ("reviewoverallfeedback", AFTER_SUBMITTING),
)
"""``reveal=no``: the score and whether it passes, but not the attempt or any answer."""


def _grade_item_fields(
    *,
    category: int | None,
    name: str | None,
    itemtype: str,
    module: str | None,
    instance: int,
    itemnumber: int | None,
    idnumber: str | None,
    calculation: str | None,
    grademax: float,
    gradepass: float,
    sortorder: int,
    time: int,
) -> list[tuple[str, object]]:
    return [
        ("categoryid", category),
        ("itemname", name),
        ("itemtype", itemtype),
        ("itemmodule", module),
        ("iteminstance", instance),
        ("itemnumber", itemnumber),
        ("iteminfo", None),
        ("idnumber", idnumber),
        ("calculation", calculation),
        ("gradetype", 1),
        ("grademax", grade(grademax)),
        ("grademin", grade(0)),
        ("scaleid", None),
        ("outcomeid", None),
        ("gradepass", grade(gradepass)),
        ("multfactor", grade(1)),
        ("plusfactor", grade(0)),
        ("aggregationcoef", grade(0)),
        ("aggregationcoef2", grade(0)),
        ("weightoverride", 0),
        ("sortorder", sortorder),
        ("display", 0),
        ("decimals", None),
        ("hidden", 0),
        ("locked", 0),
        ("locktime", 0),
        ("needsupdate", 0),
        ("timecreated", time),
        ("timemodified", time),
    ]


def course_formula(backup: MoodleBackup) -> str | None:
    """The course total as Sabaq's course score, in percent: a Moodle grade calculation.

    The weighted average of the counted quizzes' grades (each as a share of its
    maximum), or, when the exam must be passed, that average or the exam's percentage,
    whichever is lower. ``##gi<id>##`` names a grade item as Moodle stores calculations;
    the restore renumbers them. A quiz not yet taken counts as 0, so the total only
    reaches the mastery score once passing is certain. None without counted quizzes.
    """
    policy = grading_policy(backup.course)
    counted = [
        (backup.by_quiz[quiz.id], quiz.weight, quiz.exam)
        for quiz in policy.quizzes
        if quiz.id in backup.by_quiz
    ]
    total_weight = sum(weight for _, weight, _ in counted)
    if not counted or total_weight <= 0:
        return None
    terms = []
    for activity, weight, _ in counted:
        assert activity.quiz is not None
        terms.append(
            f"{number_text(weight)}*##gi{activity.grade_item}##/{number_text(activity.quiz.max_points)}"
        )
    average = f"100*({' + '.join(terms)})/{number_text(total_weight)}"
    exams = [activity for activity, _, exam in counted if exam]
    if policy.exam_required and exams:
        exam = exams[0]
        assert exam.quiz is not None
        share = f"100*##gi{exam.grade_item}##/{number_text(exam.quiz.max_points)}"
        return f"=min({average}, {share})"
    return f"={average}"


def _paragraphs(text: str) -> str:
    """Plain text (a description) as HTML paragraphs."""
    parts = [" ".join(part.split()) for part in re.split(r"\n\s*\n", text.strip())]
    return "".join(f"<p>{html.escape(part)}</p>" for part in parts if part)


# --------------------------------------------------------------------------- words


@dataclass(frozen=True, slots=True)
class _Words:
    """The few words the backup adds to the author's text, from the theme's catalog."""

    right_answer: str
    passed: str
    not_passed: str

    def __init__(self, site: Site) -> None:
        right_answer, passed, not_passed = theme_words(
            site.ui_catalog,
            "The right answer:",
            "You passed: the pass mark is {pass}%%.",
            "You have not passed yet: the pass mark is {pass}%%.",
        )
        object.__setattr__(self, "right_answer", right_answer)
        object.__setattr__(self, "passed", passed)
        object.__setattr__(self, "not_passed", not_passed)


# --------------------------------------------------------------------------- links and files


class _FileArea:
    """One file area of the backup (a page's content, a quiz's intro, a question's text)."""

    def __init__(
        self,
        backup: MoodleBackup,
        contextid: int,
        component: str,
        filearea: str,
        itemid: int = 0,
    ):
        self.backup = backup
        self.contextid = contextid
        self.component = component
        self.filearea = filearea
        self.itemid = itemid
        self.files: list[_File] = []
        self.paths: dict[str, _File] = {}

    def url(self, path: str, data: bytes) -> str:
        """``@@PLUGINFILE@@/…`` for the file at ``path`` (course-relative), added once."""
        if path not in self.paths:
            file = self.backup.add_file(
                self.contextid, self.component, self.filearea, path, data, self.itemid
            )
            self.paths[path] = file
            self.files.append(file)
        return "@@PLUGINFILE@@/" + "/".join(quote(part) for part in path.split("/"))


def page_link(cmid: int, fragment: str) -> str:
    """A link to a page as ``mod_page``'s backup encodes it; the restore makes it a URL."""
    return f"$@PAGEVIEWBYID*{cmid}@$" + (f"#{fragment}" if fragment else "")


def quiz_link(cmid: int) -> str:
    return f"$@QUIZVIEWBYID*{cmid}@$"


def course_link() -> str:
    return f"$@COURSEVIEWBYID*{COURSE_ID}@$"


@dataclass
class _PageLinks:
    """Rewrites the references of a rendered page (relative to its place in the site)."""

    backup: MoodleBackup
    page: str
    area: _FileArea

    def rewrite(self, root: etree._Element) -> None:
        site = self.backup.site
        pages = self.backup.by_page
        for element, attribute in references(root):
            reference = element.get(attribute, "")
            if not is_relative(reference):
                continue
            parts = urlsplit(reference)
            target = posixpath.normpath(
                posixpath.join(posixpath.dirname(self.page), unquote(parts.path))
            )
            if target in pages:
                element.set(attribute, page_link(pages[target].cmid, parts.fragment))
            elif target == HOME_PAGE:
                element.set(attribute, course_link())
            elif target in site.files:
                path = target.removeprefix(f"{CONTENT_DIR}/")
                url = self.area.url(path, site.files[target])
                element.set(attribute, url + (f"#{parts.fragment}" if parts.fragment else ""))


def source_reference(
    backup: MoodleBackup, lesson: Lesson, reference: str, area: _FileArea
) -> str | None:
    """A relative ``reference`` an author wrote in ``lesson`` (a link or an image), as the
    backup writes it: a link to the restored page of a lesson, or a file of ``area``.
    None when it leads to nothing the backup has."""
    parts = urlsplit(reference)
    target = posixpath.normpath(
        posixpath.join(posixpath.dirname(lesson.relpath), unquote(parts.path))
    )
    linked = backup.course.lesson_by_relpath(target)
    if linked is not None and linked.id in backup.by_lesson:
        return page_link(backup.by_lesson[linked.id].cmid, parts.fragment)
    data = backup.site.files.get(f"{CONTENT_DIR}/{target}")
    if data is not None:
        return area.url(target, data) + (f"#{parts.fragment}" if parts.fragment else "")
    return None


@dataclass
class _SourceLinks:
    """Rewrites references written in an author's text (relative to the lesson's source)."""

    backup: MoodleBackup
    quiz: Quiz
    lesson: Lesson
    area: _FileArea

    def rewrite(self, root: etree._Element) -> None:
        for element, attribute in references(root):
            reference = element.get(attribute, "")
            if not is_relative(reference):
                continue
            encoded = source_reference(self.backup, self.lesson, reference, self.area)
            if encoded is not None:
                element.set(attribute, encoded)
            else:
                warn_once(
                    self.backup.reporter,
                    "Moodle course backups carry the files that lesson pages use: the "
                    f"introduction of quiz '{self.quiz.id}' refers to '{reference}', which no "
                    "lesson uses, so it is missing there",
                    self.quiz.location,
                    "use the file in a lesson too, or link to it by an absolute https:// address",
                )


# --------------------------------------------------------------------------- pages


class PageContent:
    """A lesson's article, standing alone as a Moodle page's content."""

    def __init__(self, backup: MoodleBackup, activity: _Activity) -> None:
        self.backup = backup
        self.activity = activity
        self.lesson = activity.source_lesson
        self.area = _FileArea(backup, activity.contextid, "mod_page", "content")
        self.quizzes = {quiz.id: quiz for quiz in backup.course.quizzes_of(self.lesson)}

    def html(self) -> tuple[str, list[_File]]:
        site = self.backup.site
        article = standalone_article(
            site.files[self.lesson.output_path],
            self.quizzes,
            self.backup.words.right_answer,
            self._quiz_href,
        )
        _drop_further_reading(article)
        _PageLinks(self.backup, self.lesson.output_path, self.area).rewrite(article)
        return wrapped(article, site), self.area.files

    def _quiz_href(self, quiz: Quiz) -> str | None:
        """The quiz activity of this section, which the graded quiz's notice links to."""
        activity = self.backup.by_quiz.get(quiz.id)
        return quiz_link(activity.cmid) if activity is not None else None


def _drop_further_reading(article: etree._Element) -> None:
    """The module's links are URL activities of its section: the page need not list them too."""
    for section in list(article.iter("section")):
        parent = section.getparent()
        if parent is None or "further-reading" not in (section.get("class") or "").split():
            continue
        previous = section.getprevious()
        if section.tail:  # keep the text that follows (lxml removes it with the element)
            if previous is not None:
                previous.tail = (previous.tail or "") + section.tail
            else:
                parent.text = (parent.text or "") + section.tail
        parent.remove(section)


# --------------------------------------------------------------------------- questions


@dataclass
class _Pool:
    """What one quiz's slots draw from."""

    slots: list[tuple[float, int | None, int]]
    """(maxmark, question bank entry or None for a random slot, category)."""
    categories: list[int]


QTYPES = {"matching": "match"}
"""Moodle XML names a question type by its import name, the backup by the plugin's."""
ORDERING_MARKING = "Moodle marks a partly right order"
"""How :mod:`builder.questionbank` begins its warning about Moodle's ordering marks."""
LOCAL_FILES_MARKING = "a file of the course that exported quizzes do not carry"
"""What :mod:`builder.qti` says of a question's images and links, which the backup carries."""
_FORMATS = {"html": FORMAT_HTML, "moodle_auto_format": FORMAT_MOODLE, "plain_text": 2}


_ATTRIBUTE_REFERENCE = re.compile(r'(?P<head>\s(?:src|href)=")(?P<value>[^"]*)"')
"""An image's or link's address in the HTML markdown-it writes (attributes in double quotes)."""


class QuestionTexts:
    """The texts of one question, with the images and downloads they use in its file areas.

    Moodle's restore puts question files back by the context of the question's
    category, a component and file area, and the id of the record the text belongs to
    (``restore_create_question_files``): ``question``/``questiontext``,
    ``generalfeedback`` and the three combined feedbacks by the question's id,
    ``answer`` and ``answerfeedback`` by the answer's, ``hint`` by the hint's, and
    ``qtype_match``/``subquestion`` by the subquestion's. Those files need no inforef:
    the restore reads every ``question`` and ``qtype_*`` file of ``files.xml``. Links
    to lessons become links to their pages (the restore decodes question texts too).
    Only the addresses change, so a text without local references stays as written.
    """

    def __init__(
        self, backup: MoodleBackup, activity: _Activity, question: Question, question_id: int
    ) -> None:
        self.backup = backup
        self.contextid = activity.contextid  # the quiz's, which holds its category
        self.lesson = activity.source_lesson
        self.question = question
        self.question_id = question_id
        self.areas: dict[tuple[str, str, int], _FileArea] = {}

    def own(self, text: str | None, filearea: str) -> str:
        """A text whose files are kept under the question's own id."""
        return self.html(text, filearea, self.question_id)

    def html(
        self, text: str | None, filearea: str, itemid: int, component: str = "question"
    ) -> str:
        area = self._area(component, filearea, itemid)

        def encoded(match: re.Match[str]) -> str:
            reference = html.unescape(match["value"])
            if not is_relative(reference):
                return match[0]
            found = source_reference(self.backup, self.lesson, reference, area)
            if found is None:
                self._cannot_carry(reference)
                return match[0]
            return f'{match["head"]}{html.escape(found)}"'

        return _ATTRIBUTE_REFERENCE.sub(encoded, text or "")

    def _area(self, component: str, filearea: str, itemid: int) -> _FileArea:
        key = (component, filearea, itemid)
        if key not in self.areas:
            self.areas[key] = _FileArea(self.backup, self.contextid, component, filearea, itemid)
        return self.areas[key]

    def _cannot_carry(self, reference: str) -> None:
        warn_once(
            self.backup.reporter,
            f"question '{self.question.id}' refers to '{reference}', which is neither a lesson "
            "nor a file the course's pages use: the Moodle course backup cannot carry it",
            self.question.location,
            "check the address, or link to it by an absolute https:// address",
        )


class QuestionBank:
    """``questions.xml``: each quiz's questions in a category of the quiz's own bank.

    A category in the quiz's context (``CONTEXT_MODULE``) restores with the quiz, in
    every Moodle from 4.1 to 5.x, and never mixes with the course's other questions.
    """

    def __init__(self, backup: MoodleBackup) -> None:
        self.backup = backup
        self.root = etree.Element("question_categories")
        self.category_ids = _Counter()
        self.question_ids = _Counter()
        self.answer_ids = _Counter()
        self.option_ids = _Counter()
        self.hint_ids = _Counter()
        self.slot_ids = _Counter()
        self.reference_ids = _Counter()
        course = backup.course
        graded = replace(course, quizzes=course.graded_quizzes)
        said = Reporter()
        self.converted = _moodle_questions(moodle_xml(graded, said))
        for warning in said.diagnostics:
            # Ordering questions become matching ones here (see _ordering_as_matching), and
            # the files questions use go into their file areas (see QuestionTexts).
            kept = not warning.message.startswith(ORDERING_MARKING)
            kept = kept and LOCAL_FILES_MARKING not in warning.message
            if kept and warning not in backup.reporter.diagnostics:
                backup.reporter.diagnostics.append(warning)

    def document(self) -> bytes:
        return xml_document(self.root)

    def add(self, activity: _Activity) -> _Pool:
        quiz = activity.quiz
        assert quiz is not None
        top = self._category(activity, TOP_CATEGORY, 0, "", None)
        category = self._category(activity, activity.title, top, "", idnumber(quiz.id))
        entries = self.root[-1].find("question_bank_entries")
        assert entries is not None
        models = {question.id: question for question in quiz.questions}
        entry_ids = []
        for element in self.converted.get(quiz.id, []):
            name = element.findtext("idnumber") or ""
            entry_ids.append(
                (
                    models[name].points,
                    self._question(entries, element, models[name], category, activity),
                )
            )
        if quiz.pool is not None and quiz.pool < len(quiz.questions):
            points = quiz.questions[0].points
            slots: list[tuple[float, int | None, int]] = [(points, None, category)] * quiz.pool
        else:
            slots = [(points, entry, category) for points, entry in entry_ids]
        return _Pool(slots, [top, category])

    def _category(
        self, activity: _Activity, name: str, parent: int, info: str, number: str | None
    ) -> int:
        category = self.category_ids.next()
        element = _child(self.root, "question_category", id=category)
        suffix = "+top" if parent == 0 else ""
        stamp = f"sabaq+{self.backup.course.config.id}+{activity.idnumber}{suffix}"
        _fields(
            element,
            [
                ("name", name),
                ("contextid", activity.contextid),
                ("contextlevel", 70),
                ("contextinstanceid", activity.cmid),
                ("info", info),
                ("infoformat", FORMAT_HTML),
                ("stamp", stamp),
                ("parent", parent),
                ("sortorder", 0 if parent == 0 else 999),
                ("idnumber", number),
            ],
        )
        _child(element, "question_bank_entries")
        return category

    def _question(
        self,
        entries: etree._Element,
        source: etree._Element,
        model: Question,
        category: int,
        activity: _Activity,
    ) -> int:
        """One question as Moodle's backup writes it; returns its bank entry's id."""
        backup = self.backup
        number = self.question_ids.next()
        texts = QuestionTexts(backup, activity, model, number)
        qtype = QTYPES.get(source.get("type", ""), source.get("type", ""))
        if qtype == "ordering":
            source = _ordering_as_matching(source, model, backup.reporter)
            qtype = "match"
        entry = _child(entries, "question_bank_entry", id=number)
        _fields(
            entry,
            [("questioncategoryid", category), ("idnumber", model.id), ("ownerid", None)],
        )
        versions = _child(_child(entry, "question_version"), "question_versions", id=number)
        _fields(versions, [("version", 1), ("status", "ready")])
        question = _child(_child(versions, "questions"), "question", id=number)
        config = backup.course.config
        _fields(
            question,
            [
                ("parent", 0),
                ("name", source.findtext("name/text") or model.id),
                ("questiontext", texts.own(source.findtext("questiontext/text"), "questiontext")),
                ("questiontextformat", FORMAT_HTML),
                (
                    "generalfeedback",
                    texts.own(source.findtext("generalfeedback/text"), "generalfeedback"),
                ),
                ("generalfeedbackformat", FORMAT_HTML),
                ("defaultmark", fraction(model.points)),
                ("penalty", fraction(1 / 3)),
                ("qtype", qtype),
                ("length", 1),
                ("stamp", f"sabaq+{config.id}+{backup.site.lang}+{model.id}"),
                ("timecreated", backup.time),
                ("timemodified", backup.time),
                ("createdby", None),
                ("modifiedby", None),
            ],
        )
        plugin = _child(question, f"plugin_qtype_{qtype}_question")
        if qtype == "match":
            self._matching(plugin, source, texts)
        else:
            answers = self._answers(plugin, source, texts)
            if qtype == "multichoice":
                self._multichoice(plugin, source, texts)
            elif qtype == "truefalse":
                self._truefalse(plugin, answers)
            elif qtype == "shortanswer":
                _fields(
                    _child(plugin, "shortanswer", id=self.option_ids.next()),
                    [("usecase", source.findtext("usecase") or "0")],
                )
            elif qtype == "numerical":
                self._numerical(plugin, source, answers)
        hints = _child(question, "question_hints")
        for hint in source.findall("hint"):
            hint_id = self.hint_ids.next()
            _fields(
                _child(hints, "question_hint", id=hint_id),
                [
                    ("hint", texts.html(hint.findtext("text"), "hint", hint_id)),
                    ("hintformat", FORMAT_HTML),
                    ("shownumcorrect", 0),
                    ("clearwrong", 0),
                    ("options", ""),
                ],
            )
        _child(question, "tags")
        return number

    def _answers(
        self, plugin: etree._Element, source: etree._Element, texts: QuestionTexts
    ) -> list[tuple[int, etree._Element]]:
        answers = _child(plugin, "answers")
        found = []
        qtype = source.get("type")
        for answer in source.findall("answer"):
            number = self.answer_ids.next()
            text = answer.findtext("text") or ""
            answer_format = _FORMATS.get(answer.get("format", "html"), FORMAT_HTML)
            if qtype == "truefalse":
                text = "True" if text == "true" else "False"
            elif answer_format == FORMAT_HTML:  # other answers are what learners type
                text = texts.html(text, "answer", number)
            _fields(
                _child(answers, "answer", id=number),
                [
                    ("answertext", text),
                    ("answerformat", answer_format),
                    ("fraction", fraction(float(answer.get("fraction", "0")) / 100)),
                    (
                        "feedback",
                        texts.html(answer.findtext("feedback/text"), "answerfeedback", number),
                    ),
                    ("feedbackformat", FORMAT_HTML),
                ],
            )
            found.append((number, answer))
        return found

    def _combined_feedback(
        self, source: etree._Element, texts: QuestionTexts
    ) -> list[tuple[str, object]]:
        fields: list[tuple[str, object]] = []
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            fields.append((tag, texts.own(source.findtext(f"{tag}/text"), tag)))
            fields.append((f"{tag}format", FORMAT_HTML))
        return fields

    def _multichoice(
        self, plugin: etree._Element, source: etree._Element, texts: QuestionTexts
    ) -> None:
        _fields(
            _child(plugin, "multichoice", id=self.option_ids.next()),
            [
                ("layout", 0),
                ("single", source.findtext("single") == "true"),
                ("shuffleanswers", source.findtext("shuffleanswers") == "true"),
                *self._combined_feedback(source, texts),
                ("answernumbering", source.findtext("answernumbering") or "none"),
                ("shownumcorrect", source.findtext("shownumcorrect") or "0"),
                ("showstandardinstruction", 0),
            ],
        )

    def _truefalse(self, plugin: etree._Element, answers: list[tuple[int, etree._Element]]) -> None:
        ids = {answer.findtext("text"): number for number, answer in answers}
        _fields(
            _child(plugin, "truefalse", id=self.option_ids.next()),
            [
                ("trueanswer", ids.get("true", 0)),
                ("falseanswer", ids.get("false", 0)),
                ("showstandardinstruction", 0),
            ],
        )

    def _numerical(
        self,
        plugin: etree._Element,
        source: etree._Element,
        answers: list[tuple[int, etree._Element]],
    ) -> None:
        _child(plugin, "numerical_units")
        options = _child(plugin, "numerical_options")
        _fields(
            _child(options, "numerical_option", id=self.option_ids.next()),
            [
                ("showunits", source.findtext("showunits") or "3"),
                ("unitsleft", 0),
                ("unitgradingtype", 0),
                ("unitpenalty", fraction(0.1)),
            ],
        )
        records = _child(plugin, "numerical_records")
        for number, answer in answers:
            _fields(
                _child(records, "numerical_record", id=number),
                [("answer", number), ("tolerance", answer.findtext("tolerance") or "0")],
            )

    def _matching(
        self, plugin: etree._Element, source: etree._Element, texts: QuestionTexts
    ) -> None:
        _fields(
            _child(plugin, "matchoptions", id=self.option_ids.next()),
            [
                ("shuffleanswers", 1),
                *self._combined_feedback(source, texts),
                ("shownumcorrect", source.findtext("shownumcorrect") or "0"),
            ],
        )
        matches = _child(plugin, "matches")
        for subquestion in source.findall("subquestion"):
            match_id = self.option_ids.next()
            _fields(
                _child(matches, "match", id=match_id),
                [
                    (
                        "questiontext",
                        texts.html(
                            subquestion.findtext("text"), "subquestion", match_id, "qtype_match"
                        ),
                    ),
                    ("questiontextformat", FORMAT_HTML),
                    ("answertext", subquestion.findtext("answer/text") or ""),
                ],
            )


def _moodle_questions(document: bytes) -> dict[str, list[etree._Element]]:
    """Moodle XML's questions by the id of their quiz (each category's idnumber)."""
    root = etree.fromstring(document)
    found: dict[str, list[etree._Element]] = {}
    current: list[etree._Element] = []
    for element in root.iterchildren("question"):
        if element.get("type") == "category":
            current = found.setdefault(element.findtext("idnumber") or "", [])
        else:
            current.append(element)
    return found


def _ordering_as_matching(
    source: etree._Element, question: Question, reporter: Reporter
) -> etree._Element:
    """An ordering question as a matching one: each item against its position."""
    count = len(question.items)
    warn_once(
        reporter,
        "Moodle 4.1 to 4.3 have no ordering questions (qtype_ordering is in core since 4.4): "
        f"in the Moodle course backup, question '{question.id}' becomes a matching question "
        f"that pairs each of its {count} items with its position, earning a share for each "
        "item in its exact place" + ("" if question.partial_credit else " (partial=no is lost)"),
        question.location,
        "the questionbank format keeps it an ordering question for Moodle 4.4 or later",
    )
    converted = etree.Element("question", type="match")
    for tag in ("name", "questiontext", "generalfeedback", "defaultgrade", "idnumber"):
        found = source.find(tag)
        if found is not None:
            converted.append(_copy_xml(found))
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        found = source.find(tag)
        if found is not None:
            converted.append(_copy_xml(found))
    for position, answer in enumerate(source.findall("answer"), start=1):
        subquestion = etree.SubElement(converted, "subquestion", format="html")
        etree.SubElement(subquestion, "text").text = answer.findtext("text") or ""
        etree.SubElement(etree.SubElement(subquestion, "answer"), "text").text = str(position)
    for hint in source.findall("hint"):
        converted.append(_copy_xml(hint))
    return converted


def _copy_xml(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


# --------------------------------------------------------------------------- entry point


def course_backup(site: Site, filename: str) -> dict[str, bytes]:
    """The entries of ``site``'s course as a Moodle course backup named ``filename``."""
    return MoodleBackup(site, filename).entries_of_backup()


def backup_name(site: Site, suffix: str) -> str:
    """The name the build gives the package (and the backup records as its own)."""
    config = site.course.config
    return f"{config.id}-{config.version}-{site.lang}-moodle{suffix}"
