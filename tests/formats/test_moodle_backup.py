"""The ``moodle`` format: a course backup (.mbz) that Moodle restores into a native course.

The backup is read here as Moodle's restore reads it: ``moodle_backup.xml`` lists the
sections and activities and where their folders are, each activity's files describe
it, ``questions.xml`` holds the question banks, ``files.xml`` the files. What a
restored course would hold is then compared with the course sources.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree

from builder.assessment import QuestionKind, Quiz, QuizKind
from builder.build import BuiltPackage, build
from builder.errors import Reporter
from builder.grading import grading_policy
from builder.model import Course
from builder.moodlebackup import (
    AFTER_SUBMITTING,
    ALWAYS,
    DISPLAY_NEW_WINDOW,
    DURING,
    MOODLE_BACKUP,
    NULL,
    XML_DECLARATION,
)
from builder.questionbank import is_allowed_fraction
from builder.sources import load_course
from builder.validate import MOODLE_BACKUP as MOODLE_KIND
from builder.validate import validate_entries, validate_package
from tests.support import GOLDEN, ROOTS, SAMPLE_COURSE, copy_root

COURSES = {
    "blockchain-foundations": SAMPLE_COURSE,
    "quizzes": ROOTS / "quizzes",
    "certification": ROOTS / "certification",
}
KINDS = {
    QuestionKind.SINGLE: "multichoice",
    QuestionKind.MULTIPLE: "multichoice",
    QuestionKind.TRUE_FALSE: "truefalse",
    QuestionKind.SHORT: "shortanswer",
    QuestionKind.NUMERIC: "numerical",
    QuestionKind.MATCHING: "match",
    # Not core before Moodle 4.4: a matching question of items against positions.
    QuestionKind.ORDERING: "match",
}
CHROME = ("sabaq.js", "_sabaq/", 'class="pager"', 'class="outline', "skip-link", "<nav", "<script")


# --------------------------------------------------------------------------- reading a backup


def _value(element: etree._Element, tag: str) -> str | None:
    text = element.findtext(tag)
    return None if text is None or text == NULL else text


@dataclass
class RestoredQuiz:
    name: str
    grade: float
    sumgrades: float
    attempts: int
    review: dict[str, int]
    shuffle_questions: bool
    slots: list[tuple[float, str, str]]
    """(maxmark, 'fixed' or 'random', question bank entry id or category id)."""
    gradepass: float
    grademax: float
    grade_item: str


@dataclass
class RestoredActivity:
    cmid: str
    modulename: str
    title: str
    section: str
    directory: str
    idnumber: str
    contextid: str
    completion: dict[str, str | None]
    availability: str | None
    """The access restriction (availability JSON) of module.xml."""
    showdescription: str | None
    settings: etree._Element
    """The activity's own record: ``<page>``, ``<quiz>``, ``<url>``, ``<forum>``."""
    grade_items: int
    content: str = ""
    quiz: RestoredQuiz | None = None


@dataclass
class Category:
    id: str
    name: str
    contextid: str
    contextlevel: str
    parent: str
    idnumber: str | None
    entries: dict[str, etree._Element] = field(default_factory=dict)
    """Question bank entry id → its <question>."""


@dataclass
class Restored:
    """A course as Moodle's restore would build it from the backup."""

    archive: dict[str, bytes]
    information: etree._Element
    sections: list[tuple[str, str | None, str, list[str]]]
    """(number, name, summary, cmids in order)."""
    activities: dict[str, RestoredActivity]
    categories: dict[str, Category]
    files: dict[str, etree._Element]
    course_formula: str | None
    completion: etree._Element

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.archive[name])

    def in_order(self) -> list[RestoredActivity]:
        return [self.activities[cmid] for _, _, _, cmids in self.sections for cmid in cmids]

    def of_kind(self, modulename: str) -> list[RestoredActivity]:
        return [a for a in self.in_order() if a.modulename == modulename]

    def entry(self, entry_id: str) -> etree._Element:
        return next(c.entries[entry_id] for c in self.categories.values() if entry_id in c.entries)


def restore(path: Path) -> Restored:
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    root = etree.fromstring(entries[MOODLE_BACKUP])
    information = root.find("information")
    assert information is not None
    sections = []
    for listed in information.iterfind("contents/sections/section"):
        section = etree.fromstring(entries[f"{listed.findtext('directory')}/section.xml"])
        sequence = section.findtext("sequence") or ""
        sections.append(
            (
                section.findtext("number") or "",
                _value(section, "name"),
                section.findtext("summary") or "",
                sequence.split(",") if sequence else [],
            )
        )
    activities = {}
    for listed in information.iterfind("contents/activities/activity"):
        directory = listed.findtext("directory") or ""
        modulename = listed.findtext("modulename") or ""
        module = etree.fromstring(entries[f"{directory}/module.xml"])
        activity = etree.fromstring(entries[f"{directory}/{modulename}.xml"])
        settings = activity.find(modulename)
        assert settings is not None and settings.get("id") == activity.get("id")
        grades = etree.fromstring(entries[f"{directory}/grades.xml"])
        restored = RestoredActivity(
            cmid=module.get("id", ""),
            modulename=modulename,
            title=settings.findtext("name") or "",
            section=module.findtext("sectionid") or "",
            directory=directory,
            idnumber=module.findtext("idnumber") or "",
            contextid=activity.get("contextid", ""),
            completion={
                tag: _value(module, tag)
                for tag in ("completion", "completionview", "completiongradeitemnumber")
            },
            availability=_value(module, "availability"),
            showdescription=_value(module, "showdescription"),
            settings=settings,
            grade_items=len(grades.findall("grade_items/grade_item")),
        )
        assert restored.cmid == listed.findtext("moduleid") == activity.get("moduleid")
        if modulename == "page":
            restored.content = settings.findtext("content") or ""
        elif modulename == "quiz":
            restored.quiz = _quiz(activity, grades)
        activities[restored.cmid] = restored
    categories: dict[str, Category] = {}
    for element in etree.fromstring(entries["questions.xml"]).iterfind("question_category"):
        category = Category(
            element.get("id", ""),
            element.findtext("name") or "",
            element.findtext("contextid") or "",
            element.findtext("contextlevel") or "",
            element.findtext("parent") or "",
            _value(element, "idnumber"),
        )
        for entry in element.iterfind("question_bank_entries/question_bank_entry"):
            assert entry.findtext("questioncategoryid") == category.id
            question = entry.find("question_version/question_versions/questions/question")
            assert question is not None
            category.entries[entry.get("id", "")] = question
        categories[category.id] = category
    files = {f.get("id", ""): f for f in etree.fromstring(entries["files.xml"]).iterfind("file")}
    gradebook = etree.fromstring(entries["gradebook.xml"])
    course_item = gradebook.find("grade_items/grade_item[itemtype='course']")
    assert course_item is not None
    return Restored(
        entries,
        information,
        sections,
        activities,
        categories,
        files,
        _value(course_item, "calculation"),
        etree.fromstring(entries["completion.xml"]),
    )


def _quiz(activity: etree._Element, grades: etree._Element) -> RestoredQuiz:
    quiz = activity.find("quiz")
    assert quiz is not None
    slots = []
    for instance in quiz.iterfind("question_instances/question_instance"):
        maxmark = float(instance.findtext("maxmark") or "nan")
        reference = instance.find("question_reference")
        if reference is not None:
            slots.append((maxmark, "fixed", reference.findtext("questionbankentryid") or ""))
            assert reference.findtext("usingcontextid") == activity.get("contextid")
            continue
        random = instance.find("question_set_reference")
        assert random is not None
        condition = (random.findtext("filtercondition") or "").replace("&quot;", '"')
        match = re.fullmatch(
            r'\{"questioncategoryid":"(\d+)","includingsubcategories":"0"\}', condition
        )
        assert match is not None, condition
        assert random.findtext("questionscontextid") == activity.get("contextid")
        slots.append((maxmark, "random", match[1]))
    (item,) = grades.iterfind("grade_items/grade_item")
    assert item.findtext("itemmodule") == "quiz"
    assert item.findtext("iteminstance") == quiz.get("id")
    return RestoredQuiz(
        name=quiz.findtext("name") or "",
        grade=float(quiz.findtext("grade") or "nan"),
        sumgrades=float(quiz.findtext("sumgrades") or "nan"),
        attempts=int(quiz.findtext("attempts_number") or "-1"),
        review={
            child.tag: int(child.text or "0") for child in quiz if child.tag.startswith("review")
        },
        shuffle_questions=quiz.findtext("sections/section/shufflequestions") == "1",
        slots=slots,
        gradepass=float(item.findtext("gradepass") or "nan"),
        grademax=float(item.findtext("grademax") or "nan"),
        grade_item=item.get("id", ""),
    )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltPackage]:
    packages = {}
    for name, root in COURSES.items():
        (package,) = build(
            [root], tmp_path_factory.mktemp(name), ["moodle"], languages=["en"]
        ).packages
        packages[name] = package
    return packages


@pytest.fixture(scope="module")
def restored(built: dict[str, BuiltPackage]) -> dict[str, Restored]:
    return {name: restore(package.path) for name, package in built.items()}


@pytest.fixture(scope="module")
def courses() -> dict[str, Course]:
    loaded = {}
    for name, root in COURSES.items():
        course = load_course(root, Reporter())
        assert course is not None
        loaded[name] = course
    return loaded


def graded(course: Course) -> list[Quiz]:
    return [quiz for quiz in course.quizzes if quiz.kind.graded]


# --------------------------------------------------------------------------- the package


def test_the_package_is_a_moodle2_backup(built: dict[str, BuiltPackage]) -> None:
    package = built["blockchain-foundations"]
    assert package.path.name == "blockchain-foundations-0.1.0-en-moodle.mbz"
    with zipfile.ZipFile(package.path) as archive:
        head = archive.read(MOODLE_BACKUP)[:200]
    # convert_helper::detect_moodle2_format() looks for exactly these in 200 bytes.
    assert head.startswith(XML_DECLARATION)
    assert b"<moodle_backup>" in head and b"<information>" in head


@pytest.mark.parametrize("name", sorted(COURSES))
def test_sabaq_validate_recognises_the_backup_and_finds_nothing_wrong(
    built: dict[str, BuiltPackage], name: str
) -> None:
    report = validate_package(built[name].path)
    assert report.kind is MOODLE_KIND
    assert [problem.format() for problem in report.problems] == []


def test_the_backup_declares_what_it_restores(restored: dict[str, Restored]) -> None:
    information = restored["certification"].information
    assert information.findtext("details/detail/type") == "course"
    assert information.findtext("details/detail/format") == "moodle2"
    assert information.findtext("backup_release") == "4.1"
    settings = {
        s.findtext("name"): s.findtext("value")
        for s in information.iterfind("settings/setting")
        if s.findtext("level") == "root"
    }
    assert settings["users"] == "0" and settings["activities"] == "1"
    assert settings["questionbank"] == "1" and settings["files"] == "1"
    activity_settings = {
        s.findtext("name")
        for s in information.iterfind("settings/setting")
        if s.findtext("level") == "activity"
    }
    for activity in restored["certification"].activities.values():
        key = f"{activity.modulename}_{activity.cmid}"
        assert activity.directory == f"activities/{key}"
        assert {f"{key}_included", f"{key}_userinfo"} <= activity_settings


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("name", sorted(COURSES))
def test_one_named_section_per_module_with_its_description(
    restored: dict[str, Restored], courses: dict[str, Course], name: str
) -> None:
    course = courses[name]
    sections = restored[name].sections
    assert [number for number, _, _, _ in sections] == [
        str(n) for n in range(len(course.modules) + 1)
    ]
    assert sections[0][1] is None and sections[0][3] == []  # "General", left empty
    assert [section_name for _, section_name, _, _ in sections[1:]] == [
        module.title for module in course.modules
    ]
    for (_, _, summary, _), module in zip(sections[1:], course.modules, strict=True):
        if module.description:
            text = html.unescape(re.sub(r"<[^>]+>", " ", summary))
            assert " ".join(text.split()) == " ".join(module.description.split())


@pytest.mark.parametrize("name", sorted(COURSES))
def test_one_page_per_lesson_then_its_graded_quizzes_then_the_module_links_and_forum(
    restored: dict[str, Restored], courses: dict[str, Course], name: str
) -> None:
    course = courses[name]
    expected = []
    for module in course.modules:
        for lesson in module.lessons:
            expected.append(("page", lesson.title, lesson.id))
            expected += [
                ("quiz", quiz.title or lesson.title, quiz.id)
                for quiz in course.quizzes_of(lesson)
                if quiz.kind.graded
            ]
        expected += [
            ("url", link.title, f"{module.id}#link-{number}")
            for number, link in enumerate(module.links, start=1)
        ]
        if module.discussion:
            expected.append(("forum", module.title, f"{module.id}#discussion"))
    activities = restored[name].in_order()
    assert [(a.modulename, a.title, a.idnumber) for a in activities] == expected
    for number, _, _, cmids in restored[name].sections[1:]:
        module = course.modules[int(number) - 1]
        module_lessons = {lesson.id for lesson in module.lessons}
        for cmid in cmids:
            activity = restored[name].activities[cmid]
            if activity.modulename == "page":
                assert activity.idnumber in module_lessons
            elif activity.modulename in ("url", "forum"):
                assert activity.idnumber.startswith(f"{module.id}#")
            else:
                assert activity.modulename == "quiz"


def test_pages_are_completed_when_viewed_and_quizzes_when_graded(
    restored: dict[str, Restored],
) -> None:
    kinds = set()
    for activity in restored["blockchain-foundations"].activities.values():
        kinds.add(activity.modulename)
        if activity.modulename == "page":
            assert activity.completion == {
                "completion": "2",
                "completionview": "1",
                "completiongradeitemnumber": None,
            }
        elif activity.modulename == "quiz":
            assert activity.completion == {
                "completion": "2",
                "completionview": "0",
                "completiongradeitemnumber": "0",
            }
        else:  # further reading and discussion are optional: not counted in progress
            assert activity.completion == {
                "completion": "0",
                "completionview": "0",
                "completiongradeitemnumber": None,
            }
    assert kinds == {"page", "quiz", "url", "forum"}


# --------------------------------------------------------------------------- links and forums


@pytest.mark.parametrize("name", sorted(COURSES))
def test_further_reading_links_are_url_activities_opening_in_a_new_window(
    restored: dict[str, Restored], courses: dict[str, Course], name: str
) -> None:
    backup = restored[name]
    urls = backup.of_kind("url")
    links = [link for module in courses[name].modules for link in module.links]
    assert [(u.title, u.settings.findtext("externalurl")) for u in urls] == [
        (link.title, link.url) for link in links
    ]
    for url in urls:
        # resourcelib's "New window": the course page opens it with window.open(), never
        # embedded in a frame (which the many sites that refuse framing break).
        assert url.settings.findtext("display") == str(DISPLAY_NEW_WINDOW) == "3"
        assert url.settings.findtext("displayoptions") == "a:0:{}"  # serialize(array())
        assert url.settings.findtext("parameters") == "a:0:{}"
        assert url.grade_items == 0
    if name == "quizzes":
        assert [u.title for u in urls] == ["Bitcoin whitepaper"]


def test_the_pages_leave_the_links_to_the_url_activities(restored: dict[str, Restored]) -> None:
    for page in restored["blockchain-foundations"].of_kind("page"):
        assert "further-reading" not in page.content
        assert ">Further reading</h2>" not in page.content


@pytest.mark.parametrize("name", sorted(COURSES))
def test_a_discussion_prompt_is_a_general_forum_described_by_the_prompt(
    restored: dict[str, Restored], courses: dict[str, Course], name: str
) -> None:
    forums = restored[name].of_kind("forum")
    prompts = [module for module in courses[name].modules if module.discussion]
    assert len(forums) == len(prompts)
    for forum, module in zip(forums, prompts, strict=True):
        settings = forum.settings
        assert forum.title == module.title
        assert settings.findtext("type") == "general"
        intro = settings.findtext("intro") or ""
        assert intro.startswith('<div lang="en" dir="ltr"><p>')
        assert html.unescape(re.sub(r"<[^>]+>", "", intro)) == module.discussion
        assert settings.findtext("introformat") == "1"
        assert forum.showdescription == "1"  # the prompt shows on the course page
        # Ungraded, nobody forced to subscribe, and no learners' posts in a template.
        assert settings.findtext("assessed") == "0" and settings.findtext("grade_forum") == "0"
        assert settings.findtext("forcesubscribe") == "0"
        discussions = settings.find("discussions")
        assert discussions is not None and len(discussions) == 0
        assert forum.grade_items == 0


@pytest.mark.parametrize("name", sorted(COURSES))
def test_a_free_course_restricts_no_activity(restored: dict[str, Restored], name: str) -> None:
    assert {a.availability for a in restored[name].activities.values()} == {None}


# --------------------------------------------------------------------------- pages


def _links(content: str) -> list[str]:
    return [html.unescape(link) for link in re.findall(r'\s(?:href|src)="([^"]*)"', content)]


@pytest.mark.parametrize("name", sorted(COURSES))
def test_pages_stand_alone_without_site_chrome_or_script(
    restored: dict[str, Restored], name: str
) -> None:
    for page in restored[name].of_kind("page"):
        assert page.content.startswith('<div lang="en" dir="ltr">')
        for chrome in CHROME:
            assert chrome not in page.content, (page.title, chrome)
        # Knowledge checks need no script: no form controls, the answers behind <details>.
        # (A task list's boxes are disabled check boxes that only show what is done.)
        content = re.sub(r'<input class="task-list-item-checkbox" disabled[^>]*>', "", page.content)
        for control in ("<form", "<input", "<select", "<button"):
            assert control not in content, (page.title, control)


@pytest.mark.parametrize("name", sorted(COURSES))
def test_links_and_images_are_encoded_as_moodle_restores_them(
    restored: dict[str, Restored], name: str
) -> None:
    backup = restored[name]
    pages = {a.cmid for a in backup.of_kind("page")}
    quizzes = {a.cmid for a in backup.of_kind("quiz")}
    for page in backup.of_kind("page"):
        own = {
            (f.findtext("filepath") or "").lstrip("/") + (f.findtext("filename") or "")
            for f in backup.files.values()
            if f.findtext("contextid") == page.contextid
            and f.findtext("component") == "mod_page"
            and f.findtext("filearea") == "content"
        }
        for link in _links(page.content):
            if link.startswith(("https://", "http://", "mailto:", "#")):
                continue
            encoded = re.fullmatch(r"\$@(PAGE|QUIZ)VIEWBYID\*(\d+)@\$(#[\w-]+)?", link)
            if encoded is not None:
                assert encoded[2] in (pages if encoded[1] == "PAGE" else quizzes), link
                continue
            assert link.startswith("@@PLUGINFILE@@/"), (page.title, link)
            assert unquote(link.removeprefix("@@PLUGINFILE@@/")) in own, link


def test_links_between_lessons_lead_to_the_restored_pages(restored: dict[str, Restored]) -> None:
    backup = restored["blockchain-foundations"]
    links = [link for page in backup.of_kind("page") for link in _links(page.content)]
    assert any(link.startswith("$@PAGEVIEWBYID*") and "#" in link for link in links)
    images = {link for link in links if link.startswith("@@PLUGINFILE@@/")}
    # Every image of the course, under its path in the course folder.
    assert images == {
        f"@@PLUGINFILE@@/{path.relative_to(SAMPLE_COURSE).as_posix()}"
        for path in SAMPLE_COURSE.glob("*/images/*.svg")
    }


def test_images_are_in_each_page_file_area_under_their_sha1(restored: dict[str, Restored]) -> None:
    backup = restored["blockchain-foundations"]
    assert backup.files, "the sample course has images"
    for file in backup.files.values():
        digest = file.findtext("contenthash") or ""
        data = backup.archive[f"files/{digest[:2]}/{digest}"]
        assert hashlib.sha1(data).hexdigest() == digest
        assert int(file.findtext("filesize") or "-1") == len(data)
    inforef_ids = set()
    for page in backup.of_kind("page"):
        inforef = backup.xml(f"{page.directory}/inforef.xml")
        inforef_ids |= {ref.text for ref in inforef.iterfind("fileref/file/id")}
    assert inforef_ids == set(backup.files)


def test_code_is_highlighted_with_inline_styles(restored: dict[str, Restored]) -> None:
    pages = [p for p in restored["blockchain-foundations"].of_kind("page") if "<pre" in p.content]
    assert pages, "the sample course has code blocks"
    for page in pages:
        assert 'class="highlight"' not in page.content
        assert re.search(r'<pre dir="ltr" style="[^"]+"><code>', page.content)
    assert any('<span style="color: #' in page.content for page in pages)


def test_knowledge_checks_show_the_answer_behind_details(restored: dict[str, Restored]) -> None:
    (reading, *_) = restored["certification"].of_kind("page")
    content = reading.content
    assert content.count('class="sabaq-question"') == 2
    assert content.count("<summary>The right answer:</summary>") == 2
    # The right choice is marked, with the feedback the author wrote for it.
    assert "\u2713 <strong>The previous block's hash</strong>" in html.unescape(content)
    assert "Right: that is what chains the blocks." in html.unescape(content)
    assert '<bdi dir="ltr">256</bdi>' in content


def test_graded_quiz_notices_link_to_the_quiz_activity(restored: dict[str, Restored]) -> None:
    backup = restored["certification"]
    quiz_page = next(p for p in backup.of_kind("page") if p.title == "Module quiz")
    (quiz,) = [q for q in backup.of_kind("quiz") if q.idnumber == "module-quiz"]
    assert f'<a href="$@QUIZVIEWBYID*{quiz.cmid}@$">Module quiz</a>' in quiz_page.content
    assert "::: question" not in quiz_page.content


def test_right_to_left_pages_keep_their_language_and_direction(tmp_path: Path) -> None:
    (package,) = build(
        [ROOTS / "rtl"],
        tmp_path,
        ["moodle"],
        languages=["ur"],
        locales_dir=ROOTS.parent / "fixtures" / "rtl-locales",
    ).packages
    (page,) = restore(package.path).of_kind("page")
    assert page.content.startswith('<div lang="ur" dir="rtl">')
    assert '<bdi dir="ltr">C++</bdi>' in page.content


# --------------------------------------------------------------------------- quizzes


@pytest.mark.parametrize("name", sorted(COURSES))
def test_quiz_grades_are_the_authored_points_and_pass_marks(
    restored: dict[str, Restored], courses: dict[str, Course], name: str
) -> None:
    course = courses[name]
    by_id = {a.idnumber: a for a in restored[name].of_kind("quiz")}
    assert sorted(by_id) == sorted(quiz.id for quiz in graded(course))
    for quiz in graded(course):
        restored_quiz = by_id[quiz.id].quiz
        assert restored_quiz is not None
        mark = quiz.pass_mark if quiz.pass_mark is not None else course.config.mastery_score
        assert restored_quiz.grade == restored_quiz.sumgrades == quiz.max_points
        assert restored_quiz.grademax == quiz.max_points
        assert restored_quiz.gradepass == pytest.approx(quiz.max_points * mark / 100)
        assert sum(maxmark for maxmark, _, _ in restored_quiz.slots) == quiz.max_points
        assert restored_quiz.attempts == (quiz.attempts or 0)
        assert restored_quiz.shuffle_questions == quiz.shuffle


@pytest.mark.parametrize("name", sorted(COURSES))
def test_each_question_is_its_moodle_type_worth_its_points(
    restored: dict[str, Restored], courses: dict[str, Course], name: str
) -> None:
    backup = restored[name]
    for quiz in graded(courses[name]):
        (category,) = [c for c in backup.categories.values() if c.idnumber == quiz.id]
        activity = next(a for a in backup.of_kind("quiz") if a.idnumber == quiz.id)
        # The quiz's own bank: its module context, under the context's "top" category.
        assert category.contextid == activity.contextid and category.contextlevel == "70"
        assert backup.categories[category.parent].name == "top"
        assert len(category.entries) == len(quiz.questions)
        by_name = {q.findtext("name"): q for q in category.entries.values()}
        for question in quiz.questions:
            element = by_name[question.id]
            assert element.findtext("qtype") == KINDS[question.kind], question.id
            assert float(element.findtext("defaultmark") or "nan") == question.points
            for fraction in element.iterfind(".//answers/answer/fraction"):
                assert is_allowed_fraction(float(fraction.text or "nan"))


def test_question_details_carry_over(restored: dict[str, Restored]) -> None:
    backup = restored["certification"]

    def question(name: str) -> etree._Element:
        return next(
            q
            for c in backup.categories.values()
            for q in c.entries.values()
            if q.findtext("name") == name
        )

    single = question("mq-hash")
    assert single.findtext(".//multichoice/single") == "1"
    multiple = question("mq-consensus")
    assert multiple.findtext(".//multichoice/single") == "0"
    fractions = sorted(float(f.text or "") for f in multiple.iterfind(".//answer/fraction"))
    assert fractions == [-1.0, 0.5, 0.5]
    truefalse = question("ex-tf")
    answers = {a.get("id"): a for a in truefalse.iterfind(".//answers/answer")}
    false_answer = answers[truefalse.findtext(".//truefalse/falseanswer")]
    assert false_answer.findtext("answertext") == "False"
    assert false_answer.findtext("fraction") == "1.0000000"
    short = question("mq-unit")
    assert short.findtext(".//shortanswer/usecase") == "0"
    assert [a.findtext("answertext") for a in short.iterfind(".//answer")] == ["satoshi", "sat"]
    numeric = question("ex-bits")
    (record,) = numeric.iterfind(".//numerical_records/numerical_record")
    assert record.findtext("tolerance") == "0"
    assert numeric.findtext(".//answer/answertext") == "256"
    matching = question("ex-match")
    pairs = [
        (m.findtext("questiontext"), m.findtext("answertext"))
        for m in matching.iterfind(".//matches/match")
    ]
    assert pairs == [("Proof of work", "miners"), ("Proof of stake", "validators")]
    ordering = question("ex-order")
    positions = [m.findtext("answertext") for m in ordering.iterfind(".//matches/match")]
    assert positions == ["1", "2", "3"]


def test_a_pool_draws_random_questions_from_the_quiz_category(
    restored: dict[str, Restored], courses: dict[str, Course]
) -> None:
    exam = next(q for q in courses["quizzes"].quizzes if q.id == "final-exam")
    assert exam.pool == 5 and len(exam.questions) > exam.pool
    backup = restored["quizzes"]
    activity = next(a for a in backup.of_kind("quiz") if a.idnumber == "final-exam")
    assert activity.quiz is not None
    assert [kind for _, kind, _ in activity.quiz.slots] == ["random"] * exam.pool
    (category_id,) = {category for _, _, category in activity.quiz.slots}
    category = backup.categories[category_id]
    assert category.idnumber == "final-exam"
    assert len(category.entries) == len(exam.questions)
    assert activity.quiz.grade == exam.pool * exam.questions[0].points


def test_fixed_slots_refer_to_entries_of_the_quiz_category(
    restored: dict[str, Restored], courses: dict[str, Course]
) -> None:
    backup = restored["blockchain-foundations"]
    module_quizzes = [a for a in backup.of_kind("quiz") if a.idnumber != "final-exam"]
    expected = [q.id for q in graded(courses["blockchain-foundations"]) if q.id != "final-exam"]
    assert sorted(a.idnumber for a in module_quizzes) == sorted(expected)
    for activity in module_quizzes:
        assert activity.quiz is not None
        (category,) = [c for c in backup.categories.values() if c.idnumber == activity.idnumber]
        for maxmark, kind, entry in activity.quiz.slots:
            assert kind == "fixed" and entry in category.entries
            assert float(category.entries[entry].findtext("defaultmark") or "") == maxmark


def test_answers_are_hidden_after_an_exam_that_does_not_reveal_them(
    restored: dict[str, Restored], courses: dict[str, Course]
) -> None:
    for quiz in graded(courses["certification"]):
        activity = next(
            a for a in restored["certification"].of_kind("quiz") if a.idnumber == quiz.id
        )
        assert activity.quiz is not None
        review = activity.quiz.review
        assert review["reviewmarks"] == AFTER_SUBMITTING  # the score is always shown
        if quiz.reveal:
            assert review["reviewattempt"] == ALWAYS
            assert review["reviewrightanswer"] == AFTER_SUBMITTING
        else:
            assert quiz.kind is QuizKind.EXAM
            assert review["reviewattempt"] == DURING
            for option in ("reviewcorrectness", "reviewrightanswer", "reviewspecificfeedback"):
                assert review[option] == 0


# --------------------------------------------------------------------------- course result


def _evaluate(formula: str, grades: dict[str, float]) -> float:
    expression = re.sub(r"##gi(\d+)##", lambda m: repr(grades[m[1]]), formula.lstrip("="))
    assert re.fullmatch(r"[\d.+*/() ,min]+", expression), expression
    result = eval(expression, {"__builtins__": {}}, {"min": min})  # only numbers and min()
    assert isinstance(result, float | int)
    return float(result)


def _sabaq_score(course: Course, percents: dict[str, float]) -> float:
    policy = grading_policy(course)
    total = sum(quiz.weight for quiz in policy.quizzes)
    average = sum(percents[quiz.id] * quiz.weight for quiz in policy.quizzes) / total
    exams = [quiz for quiz in policy.quizzes if quiz.exam]
    if policy.exam_required and exams:
        return min(average, percents[exams[0].id])
    return average


@pytest.mark.parametrize("name", sorted(COURSES))
def test_the_course_total_is_the_course_score(
    restored: dict[str, Restored], courses: dict[str, Course], name: str
) -> None:
    course = courses[name]
    backup = restored[name]
    formula = backup.course_formula
    assert formula is not None
    quizzes = {a.idnumber: a.quiz for a in backup.of_kind("quiz") if a.quiz is not None}
    for percents in ([100.0] * 5, [100.0, 25.0, 80.0, 0.0, 65.0], [0.0, 100.0, 70.0, 90.0, 50.0]):
        scores = dict(zip(sorted(quizzes), [*percents, *percents], strict=False))
        grades = {q.grade_item: scores[i] / 100 * q.grade for i, q in quizzes.items()}
        expected = _sabaq_score(course, scores)
        assert _evaluate(formula, grades) == pytest.approx(expected, abs=1e-6)


def test_the_course_is_complete_when_the_course_score_reaches_mastery(
    restored: dict[str, Restored], courses: dict[str, Course]
) -> None:
    completion = restored["blockchain-foundations"].completion
    (criterion,) = completion.iterfind("course_completion_criteria")
    assert criterion.findtext("criteriatype") == "6"  # the course grade
    mastery = courses["blockchain-foundations"].config.mastery_score
    assert float(criterion.findtext("gradepass") or "") == mastery
    gradebook = restored["blockchain-foundations"].xml("gradebook.xml")
    course_item = gradebook.find("grade_items/grade_item[itemtype='course']")
    assert course_item is not None
    assert float(course_item.findtext("grademax") or "") == 100
    assert float(course_item.findtext("gradepass") or "") == mastery


def test_a_course_without_quizzes_is_complete_when_every_page_is_viewed(tmp_path: Path) -> None:
    (package,) = build([ROOTS / "minimal"], tmp_path, ["moodle"]).packages
    backup = restore(package.path)
    assert backup.course_formula is None
    criteria = [
        (c.findtext("criteriatype"), c.findtext("module"), c.findtext("moduleinstance"))
        for c in backup.completion.iterfind("course_completion_criteria")
    ]
    assert criteria == [("4", "page", page.cmid) for page in backup.of_kind("page")]


# --------------------------------------------------------------------------- stability


def test_the_same_sources_give_the_same_bytes(tmp_path: Path) -> None:
    first = build([ROOTS / "certification"], tmp_path / "one", ["moodle"]).packages[0]
    second = build([ROOTS / "certification"], tmp_path / "two", ["moodle"]).packages[0]
    assert first.path.read_bytes() == second.path.read_bytes()


def test_ids_moodle_keeps_are_the_course_ids(restored: dict[str, Restored]) -> None:
    backup = restored["certification"]
    assert [a.idnumber for a in backup.in_order()] == [
        "basics/reading",
        "basics/quiz",
        "module-quiz",
        "basics/exam",
        "final-exam",
    ]
    entry_ids = sorted(
        entry.findtext("idnumber") or ""
        for entry in etree.fromstring(backup.archive["questions.xml"]).iter("question_bank_entry")
    )
    assert entry_ids == sorted(
        ["mq-hash", "mq-consensus", "mq-unit", "ex-tf", "ex-bits", "ex-match", "ex-order"]
    )


GOLDEN_ENTRIES = (
    MOODLE_BACKUP,
    "course/course.xml",
    "sections/section_2/section.xml",
    "activities/page_1/page.xml",
    "activities/quiz_3/quiz.xml",
    "activities/quiz_3/grades.xml",
    "questions.xml",
    "gradebook.xml",
    "completion.xml",
)


@pytest.mark.parametrize("entry", GOLDEN_ENTRIES)
def test_key_files_match_the_reviewed_golden_files(
    restored: dict[str, Restored], entry: str, update_golden: bool
) -> None:
    golden = GOLDEN / "certification" / "moodle" / entry
    written = restored["certification"].archive[entry]
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(written)
    assert written.decode() == golden.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- validate


Breakage = Callable[[dict[str, bytes]], None]


def _drop_stored_file(entries: dict[str, bytes]) -> None:
    del entries[next(name for name in sorted(entries) if name.startswith("files/"))]


def _single_quotes(entries: dict[str, bytes]) -> None:
    entries[MOODLE_BACKUP] = entries[MOODLE_BACKUP].replace(
        XML_DECLARATION, b"<?xml version='1.0' encoding='UTF-8'?>\n"
    )


def _drop_activity_file(entries: dict[str, bytes]) -> None:
    del entries["activities/page_1/page.xml"]


def _break_page_link(entries: dict[str, bytes]) -> None:
    name = "activities/page_1/page.xml"
    entries[name] = entries[name].replace(b"$@PAGEVIEWBYID*2@$", b"$@PAGEVIEWBYID*999@$")


def _drop_root_file(entries: dict[str, bytes]) -> None:
    del entries["questions.xml"]


@pytest.mark.parametrize(
    ("breakage", "code"),
    [
        (_drop_stored_file, "moodle.missing-file"),
        (_single_quotes, "moodle.backup-undetected"),
        (_drop_activity_file, "moodle.missing-file"),
        (_break_page_link, "moodle.broken-link"),
        (_drop_root_file, "moodle.missing-file"),
    ],
)
def test_validate_finds_what_would_break_a_restore(
    built: dict[str, BuiltPackage], breakage: Breakage, code: str
) -> None:
    with zipfile.ZipFile(built["blockchain-foundations"].path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    assert validate_entries("course.mbz", entries).problems == ()
    breakage(entries)
    codes = {problem.code for problem in validate_entries("course.mbz", entries).errors}
    assert code in codes


def test_a_titled_knowledge_check_keeps_its_heading_and_introduction(tmp_path: Path) -> None:
    root = copy_root("certification", tmp_path)
    (root / "01-basics" / "04-practice.md").write_text(
        "---\ntitle: Practice\n---\n"
        '::: quiz check id=practice title="Practice round"\n'
        "Before you start:\n\n- read the lesson\n- take your time\n\n"
        "::: question true-false id=pr-tf\nHashes can be reversed.\n\n"
        "- [ ] True\n- [x] False\n:::\n\n"
        "::: question ordering id=pr-order\nPut these in order.\n\n"
        "1. Sign\n2. Broadcast\n3. Confirm\n:::\n:::\n",
        encoding="utf-8",
    )
    (package,) = build([root], tmp_path / "dist", ["moodle"]).packages
    page = next(p for p in restore(package.path).of_kind("page") if p.title == "Practice")
    content = html.unescape(page.content)
    assert '<h2 id="sabaq-quiz-' in content and "Practice round</h2>" in content
    assert "<li>read the lesson</li>" in content  # the introduction, with its list
    assert content.count('class="sabaq-question"') == 2
    assert "<form" not in content and "quiz-rules" not in content
    # The items are shown sorted, not in the right order; the answer lists them in order.
    shown, answer = content.split("<summary>The right answer:</summary>")[-2:]
    assert shown.index("Broadcast") < shown.index("Confirm") < shown.index("Sign")
    assert answer.index("Sign") < answer.index("Broadcast") < answer.index("Confirm")


def test_a_quiz_introduction_links_to_the_restored_lesson_page(tmp_path: Path) -> None:
    root = copy_root("certification", tmp_path)
    quiz = root / "01-basics" / "02-quiz.md"
    quiz.write_text(
        quiz.read_text(encoding="utf-8").replace(
            'title="Module quiz" attempts=3\n',
            'title="Module quiz" attempts=3\nRead [the reading](01-reading.md#top) first.\n',
        ),
        encoding="utf-8",
    )
    (package,) = build([root], tmp_path / "dist", ["moodle"]).packages
    backup = restore(package.path)
    reading = backup.of_kind("page")[0]
    intro = backup.xml("activities/quiz_3/quiz.xml").findtext("quiz/intro") or ""
    assert f'<a href="$@PAGEVIEWBYID*{reading.cmid}@$#top">the reading</a>' in intro
    assert validate_package(package.path).problems == ()


def test_downloads_go_into_the_page_file_area(tmp_path: Path) -> None:
    root = copy_root("minimal", tmp_path)
    (root / "01-basics" / "handout_notes.txt").write_text("Notes\n", encoding="utf-8")
    welcome = root / "01-basics" / "01-welcome.md"
    welcome.write_text(
        welcome.read_text(encoding="utf-8") + "\nGet [the handout](handout_notes.txt).\n",
        encoding="utf-8",
    )
    (package,) = build([root], tmp_path / "dist", ["moodle"]).packages
    backup = restore(package.path)
    page = backup.of_kind("page")[0]
    assert '<a href="@@PLUGINFILE@@/01-basics/handout_notes.txt">the handout</a>' in page.content
    (handout,) = [f for f in backup.files.values() if f.findtext("filename") == "handout_notes.txt"]
    assert handout.findtext("filepath") == "/01-basics/"
    assert handout.findtext("mimetype") == "text/plain"
    assert handout.findtext("contextid") == page.contextid
    assert validate_package(package.path).problems == ()


# --------------------------------------------------------------------------- linear courses, question files


SQUARE = "../01-basics/images/square.svg"
"""An image of the ``quizzes`` course, as a question of its third module refers to it."""
QUESTION_EDITS = {
    "What does proof of work make expensive?": (
        "What does proof of work make expensive? ![A square](" + SQUARE + ")\n\n"
        "Read [the welcome](../01-basics/01-welcome.md#top) again."
    ),
    "- [x] Rewriting past blocks\n  > Right: an attacker": (
        "- [x] Rewriting past blocks ![Blocks](" + SQUARE + ")\n"
        "  > ![Right](" + SQUARE + ") Right: an attacker"
    ),
    "Hint: Think about what miners compete for.": (
        "Hint: Think about what miners compete for ![a race](" + SQUARE + ")."
    ),
    "- Hash -> A fixed-size": "- Hash ![#](" + SQUARE + ") -> A fixed-size",
}


@dataclass
class Featured:
    """The ``quizzes`` course, linear, with images and a lesson link in a graded question."""

    root: Path
    package: BuiltPackage
    warnings: list[str]
    backup: Restored


@pytest.fixture(scope="module")
def featured(tmp_path_factory: pytest.TempPathFactory) -> Featured:
    root = copy_root("quizzes", tmp_path_factory.mktemp("featured"))
    config = root / "course.yml"
    config.write_text(config.read_text(encoding="utf-8") + "navigation: linear\n", "utf-8")
    quiz = root / "03-assessment" / "02-module-quiz.md"
    text = quiz.read_text(encoding="utf-8")
    for old, new in QUESTION_EDITS.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    quiz.write_text(text, encoding="utf-8")
    result = build([root], root.parent / "dist", ["moodle"])
    (package,) = result.packages
    return Featured(root, package, [w.message for w in result.warnings], restore(package.path))


def _condition(activity: RestoredActivity) -> str | None:
    """The activity whose completion opens ``activity``, from its availability JSON."""
    if activity.availability is None:
        return None
    tree = json.loads(activity.availability)
    # As Moodle's Restrict access form saves one condition shown to learners.
    assert tree["op"] == "&" and tree["showc"] == [True], tree
    (condition,) = tree["c"]
    assert condition["type"] == "completion" and condition["e"] == 1, condition
    return str(condition["cm"])


def test_a_linear_course_opens_each_activity_after_the_lesson_page_before_it(
    featured: Featured,
) -> None:
    backup = featured.backup
    activities = backup.in_order()
    assert {a.modulename for a in activities} == {"page", "quiz", "url", "forum"}
    previous_page = None
    for activity in activities:
        assert _condition(activity) == (previous_page.cmid if previous_page else None)
        if activity.modulename == "page":
            previous_page = activity
    # A quiz waits for the page of its own lesson, and the next lesson waits for that
    # page, not for the quiz: as in Sabaq's player, quizzes do not hold lessons back.
    quiz = next(a for a in backup.of_kind("quiz") if a.idnumber == "module-quiz")
    (quiz_lesson,) = [p for p in backup.of_kind("page") if p.title == "Module quiz"]
    assert _condition(quiz) == quiz_lesson.cmid
    following = activities[activities.index(quiz) + 1]
    assert following.modulename == "page" and _condition(following) == quiz_lesson.cmid
    # Every activity a restriction waits for is a page that completion tracks by views.
    awaited = {_condition(a) for a in activities} - {None}
    for cmid in awaited:
        page = backup.activities[str(cmid)]
        assert page.modulename == "page"
        assert page.completion["completion"] == "2" and page.completion["completionview"] == "1"
    assert backup.xml("course/course.xml").findtext("enablecompletion") == "1"


def test_links_and_forum_of_a_linear_module_open_after_its_last_lesson(
    featured: Featured,
) -> None:
    backup = featured.backup
    for _, _, _, cmids in backup.sections[1:]:
        section = [backup.activities[cmid] for cmid in cmids]
        pages = [a for a in section if a.modulename == "page"]
        for extra in (a for a in section if a.modulename in ("url", "forum")):
            assert _condition(extra) == pages[-1].cmid
    assert backup.of_kind("url") and backup.of_kind("forum")


def _question(backup: Restored, name: str) -> tuple[Category, etree._Element]:
    return next(
        (category, question)
        for category in backup.categories.values()
        for question in category.entries.values()
        if question.findtext("name") == name
    )


def _question_files(backup: Restored) -> dict[tuple[str, str, str], set[str]]:
    """(component, file area, item id) → the paths of the files there."""
    found: dict[tuple[str, str, str], set[str]] = {}
    for file in backup.files.values():
        component = file.findtext("component") or ""
        if component == "question" or component.startswith("qtype_"):
            key = (component, file.findtext("filearea") or "", file.findtext("itemid") or "")
            path = (file.findtext("filepath") or "").lstrip("/") + (file.findtext("filename") or "")
            found.setdefault(key, set()).add(path)
    return found


def test_images_in_questions_are_in_the_file_areas_moodle_restores_them_from(
    featured: Featured,
) -> None:
    backup = featured.backup
    category, question = _question(backup, "mq-single")
    square = "01-basics/images/square.svg"
    url = f"@@PLUGINFILE@@/{square}"
    files = _question_files(backup)
    # restore_create_question_files: the files of the category's context (the quiz's), by
    # component, file area and the id of the record the text belongs to.
    assert {
        file.findtext("contextid")
        for file in backup.files.values()
        if file.findtext("component") in ("question", "qtype_match")
    } == {category.contextid}
    assert f'<img src="{url}" alt="A square"' in (question.findtext("questiontext") or "")
    assert files[("question", "questiontext", question.get("id", ""))] == {square}
    (answer,) = [
        a
        for a in question.iterfind(".//answers/answer")
        if (a.findtext("answertext") or "").startswith("Rewriting past blocks")
    ]
    assert url in (answer.findtext("answertext") or "")
    assert url in (answer.findtext("feedback") or "")
    assert files[("question", "answer", answer.get("id", ""))] == {square}
    assert files[("question", "answerfeedback", answer.get("id", ""))] == {square}
    (hint,) = [
        h for h in question.iterfind(".//question_hint") if url in (h.findtext("hint") or "")
    ]
    assert files[("question", "hint", hint.get("id", ""))] == {square}
    _, matching = _question(backup, "mq-matching")
    (match,) = [
        m
        for m in matching.iterfind(".//matches/match")
        if url in (m.findtext("questiontext") or "")
    ]
    assert files[("qtype_match", "subquestion", match.get("id", ""))] == {square}
    assert len(files) == 5  # nothing else: texts without images keep no files
    # The image itself is stored once, under its SHA-1.
    digest = hashlib.sha1((ROOTS / "quizzes" / square).read_bytes()).hexdigest()
    assert (
        backup.archive[f"files/{digest[:2]}/{digest}"] == (ROOTS / "quizzes" / square).read_bytes()
    )


def test_links_in_questions_lead_to_the_restored_lesson_pages(featured: Featured) -> None:
    backup = featured.backup
    _, question = _question(backup, "mq-single")
    (welcome,) = [p for p in backup.of_kind("page") if p.idnumber == "basics/welcome"]
    assert f'<a href="$@PAGEVIEWBYID*{welcome.cmid}@$#top">the welcome</a>' in (
        question.findtext("questiontext") or ""
    )


def test_the_backup_carries_question_images_without_warning_about_them(
    featured: Featured,
) -> None:
    assert not [w for w in featured.warnings if "exported quizzes do not carry" in w]
    assert not [w for w in featured.warnings if "cannot carry" in w]
    report = validate_package(featured.package.path)
    assert [problem.format() for problem in report.problems] == []


def _wait_for_a_missing_activity(entries: dict[str, bytes]) -> None:
    name = next(n for n in sorted(entries) if n.endswith("/module.xml") and b'"cm":' in entries[n])
    entries[name] = re.sub(rb'"cm":\d+', b'"cm":999', entries[name])


def _break_availability_json(entries: dict[str, bytes]) -> None:
    name = next(n for n in sorted(entries) if n.endswith("/module.xml") and b'"cm":' in entries[n])
    entries[name] = entries[name].replace(b'"showc"', b"showc")


def _move_question_file_to_another_area(entries: dict[str, bytes]) -> None:
    entries["files.xml"] = entries["files.xml"].replace(
        b"<filearea>questiontext</filearea>", b"<filearea>generalfeedback</filearea>"
    )


def _break_question_link(entries: dict[str, bytes]) -> None:
    entries["questions.xml"] = re.sub(
        rb"\$@PAGEVIEWBYID\*\d+@\$", b"$@PAGEVIEWBYID*999@$", entries["questions.xml"]
    )


@pytest.mark.parametrize(
    ("breakage", "code"),
    [
        (_wait_for_a_missing_activity, "moodle.availability"),
        (_break_availability_json, "moodle.availability"),
        (_move_question_file_to_another_area, "moodle.missing-file"),
        (_break_question_link, "moodle.broken-link"),
    ],
)
def test_validate_finds_restrictions_and_question_files_that_would_not_restore(
    featured: Featured, breakage: Breakage, code: str
) -> None:
    with zipfile.ZipFile(featured.package.path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    breakage(entries)
    codes = {problem.code for problem in validate_entries("course.mbz", entries).errors}
    assert code in codes


def test_links_forums_restrictions_and_question_files_are_reproducible(
    featured: Featured, tmp_path: Path
) -> None:
    (again,) = build([featured.root], tmp_path, ["moodle"]).packages
    assert again.path.read_bytes() == featured.package.path.read_bytes()
