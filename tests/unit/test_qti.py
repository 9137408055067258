"""Quizzes in Common Cartridge: QTI 1.2 items in the CC profile, what changes and why."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from lxml import etree

from builder import qti
from builder.assessment import Quiz, parse_quizzes
from builder.build import BuiltPackage, build
from builder.errors import Location, Reporter
from builder.model import Course, Lesson
from builder.qti import (
    PROFILE_FIB,
    PROFILE_MULTIPLE_CHOICE,
    PROFILE_MULTIPLE_RESPONSE,
    PROFILE_TRUE_FALSE,
    QTI_NAMESPACE,
    assessment_xml,
    cc_items,
    grouped_forms,
    local_references,
    render_inline,
    whole_weights,
)
from builder.sources import load_course
from builder.validate import validate_package
from tests.support import (
    GOLDEN,
    ROOTS,
    SHARED,
    copy_root,
    load_validator,
    read_entry,
    schema_problems,
    zip_names,
)

NS = {"q": QTI_NAMESPACE}
MODULE_QUIZ = ROOTS / "quizzes" / "03-assessment" / "02-module-quiz.md"
FINAL_EXAM = ROOTS / "quizzes" / "03-assessment" / "03-final-exam.md"
DESCRIPTORS = {
    "module-quiz": "cc/assessment/module-quiz.xml",
    "final-exam": "cc/assessment/final-exam.xml",
}
QTI_SCHEMAS = {
    "imscc11": "imscc11/ccv1p1_qtiasiv1p2p1_v1p0.xsd",
    "imscc13": "imscc13/ccv1p3_qtiasiv1p2p1_v1p0.xsd",
}


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(ROOTS / "quizzes", Reporter())
    assert loaded is not None
    return loaded


def quiz_of(course: Course, quiz_id: str) -> Quiz:
    return next(quiz for quiz in course.quizzes if quiz.id == quiz_id)


def descriptor(course: Course, quiz_id: str) -> tuple[etree._Element, Reporter]:
    reporter = Reporter()
    xml = assessment_xml(quiz_of(course, quiz_id), "A title", reporter)
    return etree.fromstring(xml), reporter


def items_by_ident(root: etree._Element) -> dict[str, etree._Element]:
    return {item.get("ident", ""): item for item in root.iterfind(".//q:item", NS)}


def field(item: etree._Element, label: str) -> str:
    for entry in item.iterfind(".//q:qtimetadatafield", NS):
        if entry.findtext("q:fieldlabel", namespaces=NS) == label:
            return entry.findtext("q:fieldentry", namespaces=NS) or ""
    raise KeyError(label)


def labels(item: etree._Element) -> list[str]:
    return [label.get("ident", "") for label in item.iterfind(".//q:response_label", NS)]


def scored(item: etree._Element) -> list[etree._Element]:
    """The conditions that set SCORE to 100."""
    return [
        condition
        for condition in item.iterfind(".//q:respcondition", NS)
        if condition.findtext("q:setvar", namespaces=NS) == "100"
    ]


# --------------------------------------------------------------------------- the mapping


def test_every_kind_becomes_a_profile_moodle_imports(course: Course) -> None:
    root, _ = descriptor(course, "module-quiz")
    profiles = {ident: field(item, "cc_profile") for ident, item in items_by_ident(root).items()}
    assert profiles == {
        "q.mq-single": PROFILE_MULTIPLE_CHOICE,
        "q.mq-multiple": PROFILE_MULTIPLE_RESPONSE,
        "q.mq-strict": PROFILE_MULTIPLE_RESPONSE,
        "q.mq-true-false": PROFILE_TRUE_FALSE,
        "q.mq-short": PROFILE_FIB,
        "q.mq-numeric": PROFILE_FIB,
        "q.mq-matching.1": PROFILE_MULTIPLE_CHOICE,
        "q.mq-matching.2": PROFILE_MULTIPLE_CHOICE,
        "q.mq-matching.3": PROFILE_MULTIPLE_CHOICE,
        "q.mq-ordering.1": PROFILE_MULTIPLE_CHOICE,
        "q.mq-ordering.2": PROFILE_MULTIPLE_CHOICE,
        "q.mq-ordering.3": PROFILE_MULTIPLE_CHOICE,
        "q.mq-ordering.4": PROFILE_MULTIPLE_CHOICE,
    }


def test_the_assessment_carries_attempts_and_the_intro(course: Course) -> None:
    root, _ = descriptor(course, "module-quiz")
    (assessment,) = root.iterfind("q:assessment", NS)
    assert assessment.get("title") == "A title"
    assert assessment.get("ident") == "quiz.module-quiz"
    assert field(assessment, "cc_profile") == "cc.exam.v0p1"
    assert field(assessment, "cc_maxattempts") == "2"
    assert field(assessment, "qmd_solutionspermitted") == "Yes"
    intro = assessment.findtext(".//q:presentation_material//q:mattext", namespaces=NS)
    assert intro == "<p>Answer <strong>every</strong> question, then press Submit.</p>"
    exam, _ = descriptor(course, "final-exam")
    (exam_assessment,) = exam.iterfind("q:assessment", NS)
    assert field(exam_assessment, "qmd_solutionspermitted") == "No"  # reveal=no by default
    assert field(exam_assessment, "cc_maxattempts") == "2"


def test_true_false_idents_are_literally_true_and_false(course: Course) -> None:
    for quiz_id, ident in (("module-quiz", "q.mq-true-false"), ("final-exam", "q.ex-true-false")):
        root, _ = descriptor(course, quiz_id)
        item = items_by_ident(root)[ident]
        assert labels(item) == ["true", "false"]
        (right,) = scored(item)
        expected = "true" if quiz_id == "module-quiz" else "false"
        assert right.findtext(".//q:varequal", namespaces=NS) == expected


def test_single_choice_scores_the_right_choice_and_gives_every_feedback(course: Course) -> None:
    root, _ = descriptor(course, "module-quiz")
    item = items_by_ident(root)["q.mq-single"]
    assert labels(item) == ["a", "b", "c"]
    assert item.find(".//q:render_choice", NS).get("shuffle") == "Yes"  # type: ignore[union-attr]
    assert field(item, "cc_weighting") == "24"  # 2 points; the quiz's points count 12 times
    conditions = item.findall(".//q:respcondition", NS)
    shown = {
        condition.findtext(".//q:varequal", namespaces=NS) or "general": [
            feedback.get("linkrefid") for feedback in condition.iterfind("q:displayfeedback", NS)
        ]
        for condition in conditions
    }
    assert shown == {
        "general": ["general_fb"],
        "a": ["a_fb", "general_incorrect_fb"],
        "b": ["b_fb", "correct_fb"],
        "c": ["general_incorrect_fb"],
    }
    # Moodle makes general feedback of every continue="Yes" condition: only the explanation.
    assert [c.get("continue") for c in conditions] == ["Yes", "No", "No", "No"]
    (right,) = scored(item)
    assert right.findtext(".//q:varequal", namespaces=NS) == "b"
    texts = {
        feedback.get("ident"): feedback.findtext(".//q:mattext", namespaces=NS)
        for feedback in item.iterfind("q:itemfeedback", NS)
    }
    assert texts["general_fb"] == (
        "<p>Changing one block means redoing the work for all the blocks after it.</p>"
    )
    assert texts["correct_fb"] == "<p>Well done.</p>"
    assert texts["hint_1"] == "<p>Think about what miners compete for.</p>"
    assert texts["hint_2"] == "<p>Each block points to the one before it.</p>"


def test_multiple_response_scores_exactly_the_right_set(course: Course) -> None:
    root, _ = descriptor(course, "module-quiz")
    item = items_by_ident(root)["q.mq-multiple"]
    assert item.find(".//q:response_lid", NS).get("rcardinality") == "Multiple"  # type: ignore[union-attr]
    (rule,) = scored(item)
    # The query Moodle's cartridge import uses to find the right choices.
    right = rule.xpath(
        "q:conditionvar//q:varequal[@case='Yes'][not(parent::q:not)]/text()", namespaces=NS
    )
    wrong = rule.xpath("q:conditionvar//q:not/q:varequal/text()", namespaces=NS)
    assert (right, wrong) == (["a", "b", "d"], ["c", "e"])


def test_short_answer_is_fill_in_the_blank_with_its_case(course: Course) -> None:
    root, _ = descriptor(course, "module-quiz")
    item = items_by_ident(root)["q.mq-short"]
    assert item.find(".//q:response_str/q:render_fib", NS) is not None
    (rule,) = scored(item)
    accepted = [(v.text, v.get("case")) for v in rule.iterfind(".//q:varequal", NS)]
    assert accepted == [("const", "Yes"), ("a=b{c}#d~e:f", "Yes")]
    exam, _ = descriptor(course, "final-exam")
    (exam_rule,) = scored(items_by_ident(exam)["q.ex-short"])
    assert {v.get("case") for v in exam_rule.iterfind(".//q:varequal", NS)} == {"No"}


def test_numeric_accepts_its_numbers_as_text(course: Course) -> None:
    root, _ = descriptor(course, "module-quiz")
    (rule,) = scored(items_by_ident(root)["q.mq-numeric"])
    accepted = [v.text for v in rule.iterfind(".//q:varequal", NS)]
    assert accepted == ["3.125", "3.15", "21000000", "21,000,000", "2,10,00,000"]
    assert grouped_forms(-1234567) == ["-1,234,567", "-12,34,567"]
    assert grouped_forms(999) == []
    assert grouped_forms(2.5) == []


def test_matching_becomes_one_choice_item_per_left_hand_item(course: Course) -> None:
    root, _ = descriptor(course, "module-quiz")
    items = items_by_ident(root)
    parts = [items[f"q.mq-matching.{n}"] for n in (1, 2, 3)]
    assert [part.get("title") for part in parts] == [
        "mq-matching (1/3)",
        "mq-matching (2/3)",
        "mq-matching (3/3)",
    ]
    # Sorted by text, with the distractor (d): the order written would give pairs away.
    assert all(labels(part) == ["d", "a", "c", "b"] for part in parts)
    assert [scored(part)[0].findtext(".//q:varequal", namespaces=NS) for part in parts] == [
        "a",
        "b",
        "c",
    ]
    prompt = parts[1].findtext("q:presentation/q:material/q:mattext", namespaces=NS)
    assert prompt == "<p>Match each term to its meaning.</p>\n<p>Nonce</p>"
    assert [field(part, "cc_weighting") for part in parts] == ["4", "4", "4"]
    # Hints before the first part; the overall feedback with every part.
    assert parts[0].find("q:itemfeedback[@ident='hint_1']", NS) is not None
    assert parts[1].find("q:itemfeedback[@ident='hint_1']", NS) is None
    assert all(part.find("q:itemfeedback[@ident='correct_fb']", NS) is not None for part in parts)


def test_ordering_becomes_one_choice_item_per_position(course: Course) -> None:
    root, _ = descriptor(course, "module-quiz")
    items = items_by_ident(root)
    parts = [items[f"q.mq-ordering.{n}"] for n in (1, 2, 3, 4)]
    # Sorted by text: written in order, the choices would be the answer.
    assert all(labels(part) == ["d", "b", "a", "c"] for part in parts)
    assert [scored(part)[0].findtext(".//q:varequal", namespaces=NS) for part in parts] == [
        "a",
        "b",
        "c",
        "d",
    ]
    prompt = parts[2].findtext("q:presentation/q:material/q:mattext", namespaces=NS)
    assert prompt == (
        "<p>Put the steps of mining a block in order.</p>\n<p><strong>3 / 4</strong></p>"
    )
    # The explanation after the last part only.
    assert [part.find("q:itemfeedback[@ident='general_fb']", NS) is not None for part in parts] == [
        False,
        False,
        False,
        True,
    ]


def test_weights_are_whole_numbers_in_the_questions_proportions(course: Course) -> None:
    root, _ = descriptor(course, "module-quiz")
    weights = {
        ident: int(field(item, "cc_weighting")) for ident, item in items_by_ident(root).items()
    }
    # single 2 points, numeric 1.5, the rest 1; matching parts 1/3, ordering parts 1/4: ×12.
    assert weights["q.mq-single"] == 24
    assert weights["q.mq-numeric"] == 18
    assert weights["q.mq-multiple"] == 12
    assert weights["q.mq-matching.1"] * 3 == 12
    assert weights["q.mq-ordering.1"] * 4 == 12


def test_knowledge_checks_stay_in_the_lesson_pages(cartridges: dict[str, BuiltPackage]) -> None:
    root = etree.fromstring(read_entry(cartridges["imscc11"].path, "imsmanifest.xml"))
    assessments = [
        resource.get("identifier")
        for resource in root.iter("{*}resource")
        if resource.get("type", "").endswith("/assessment")
    ]
    assert assessments == ["quiz.module-quiz", "quiz.final-exam"]  # not 'practice/check'
    assert all(not name.endswith("check.xml") for name in zip_names(cartridges["imscc11"].path))


@pytest.mark.parametrize("version", ["imscc11", "imscc13"])
def test_no_page_of_a_cartridge_carries_an_answer_key_the_lms_marks(
    cartridges: dict[str, BuiltPackage], version: str
) -> None:
    """The LMS marks graded quizzes itself; their right answers must not ride along in pages.

    The only answers in the package are the QTI descriptors' (which the LMS keeps from
    learners) and the knowledge checks' (practice, shown in the page behind <details>).
    Pages carry no runtime data at all: no script, no JSON.
    """
    package = cartridges[version].path
    names = zip_names(package)
    texts = {name: read_entry(package, name).decode("utf-8") for name in names}
    for name, text in texts.items():
        if name.endswith(".html"):
            assert "<script" not in text and "data-correct" not in text, name
    keyed = {name for name, text in texts.items() if "Rewriting past blocks" in text}
    assert keyed == {DESCRIPTORS["module-quiz"]}  # the right choice of a graded question
    practice = texts["content/03-assessment/01-practice.html"]
    assert "<summary>The right answer:</summary>" in practice


# --------------------------------------------------------------------------- warnings


def test_every_change_is_a_located_warning(course: Course) -> None:
    _, reporter = descriptor(course, "module-quiz")
    _, exam_reporter = descriptor(course, "final-exam")
    found = [
        (
            d.location.path.name if d.location else None,
            d.location.line if d.location else None,
            d.message,
        )
        for d in [*reporter.diagnostics, *exam_reporter.diagnostics]
    ]
    assert all(d.level.value == "warning" for d in reporter.diagnostics)
    assert found == [
        (
            "02-module-quiz.md",
            23,
            "Common Cartridge marks multiple-response questions all or nothing: question "
            "'mq-multiple' earns no points there for a partly right answer",
        ),
        (
            "02-module-quiz.md",
            67,
            "Common Cartridge has no numeric questions: question 'mq-numeric' becomes a "
            "fill-in-the-blank question that accepts the text '3.125', '3.15', '21000000', "
            "'21,000,000' or '2,10,00,000', and no other number from 3.1 to 3.2",
        ),
        (
            "02-module-quiz.md",
            77,
            "Common Cartridge has no matching questions: question 'mq-matching' becomes 3 "
            "single-choice questions, one for each left-hand item, each worth 1/3 of its points",
        ),
        (
            "02-module-quiz.md",
            90,
            "Common Cartridge has no ordering questions: question 'mq-ordering' becomes 4 "
            "single-choice questions, one for each position, each worth 1/4 of its points: an "
            "item earns its share only in its exact place",
        ),
        (
            "03-final-exam.md",
            4,
            "Common Cartridge cannot draw questions at random: quiz 'final-exam' shows all 7 "
            "of its questions instead of 5",
        ),
        (
            "03-final-exam.md",
            4,
            "Common Cartridge cannot shuffle questions: quiz 'final-exam' shows them in the "
            "order written",
        ),
        (
            "03-final-exam.md",
            14,
            "Common Cartridge marks multiple-response questions all or nothing: question "
            "'ex-multiple' earns no points there for a partly right answer",
        ),
        (
            "03-final-exam.md",
            36,
            "Common Cartridge has no numeric questions: question 'ex-numeric' becomes a "
            "fill-in-the-blank question that accepts the text '256' or '100', and no other "
            "number from 95 to 105",
        ),
        (
            "03-final-exam.md",
            43,
            "Common Cartridge has no matching questions: question 'ex-matching' becomes 3 "
            "single-choice questions, one for each left-hand item, each worth 1/3 of its "
            "points; partial=no is lost, as each part is marked on its own",
        ),
        (
            "03-final-exam.md",
            51,
            "Common Cartridge has no ordering questions: question 'ex-ordering' becomes 3 "
            "single-choice questions, one for each position, each worth 1/3 of its points: an "
            "item earns its share only in its exact place; partial=no is lost, as each part is "
            "marked on its own",
        ),
    ]
    assert reporter.diagnostics[1].hint == (
        "the questionbank format keeps it a numeric question for Moodle"
    )


def test_the_same_warning_is_reported_once(course: Course) -> None:
    reporter = Reporter()
    quiz = quiz_of(course, "final-exam")
    assessment_xml(quiz, "Exam", reporter)
    assessment_xml(quiz, "Exam", reporter)  # the other cartridge version, or another language
    messages = [d.message for d in reporter.diagnostics]
    assert len(messages) == len(set(messages)) == 6


def test_a_warning_several_formats_give_is_reported_once(tmp_path: Path) -> None:
    """The question bank and the Moodle backup warn alike about a question Moodle
    changes; made by different groups of formats, they still tell the author once."""
    course = copy_root("quizzes", tmp_path / "courses")
    warnings = [w.format() for w in build([course], tmp_path / "dist", ["all"]).warnings]
    assert len(warnings) == len(set(warnings))
    assert any("Moodle's matching questions always give" in w for w in warnings)


def test_both_cartridges_share_one_assessment_and_each_build_hears_its_warnings(
    course: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    making = qti._assessment_xml

    def counting(quiz: Quiz, title: str, reporter: Reporter) -> bytes:
        made.append(quiz.id)
        return making(quiz, title, reporter)

    monkeypatch.setattr(qti, "_assessment_xml", counting)
    monkeypatch.setattr(qti, "_ASSESSMENTS", {})
    quiz, first, second = quiz_of(course, "final-exam"), Reporter(), Reporter()
    document = assessment_xml(quiz, "Exam", first)
    assert assessment_xml(quiz, "Exam", second) == document  # a later build in the process
    assert made == ["final-exam"]
    assert second.diagnostics == first.diagnostics and len(first.diagnostics) == 6
    assert assessment_xml(quiz, "Final exam", Reporter()) != document  # the title is in it


def lesson_quiz(body: str) -> Quiz:
    lesson = Lesson(
        id="m/lesson",
        title="A lesson",
        path=Path("/course/01-m/01-lesson.md"),
        relpath="01-m/01-lesson.md",
        body=body,
        body_line=1,
    )
    reporter = Reporter()
    (quiz,) = parse_quizzes(lesson, reporter).quizzes
    assert reporter.diagnostics == []
    return quiz


def test_links_to_course_files_are_reported() -> None:
    quiz = lesson_quiz(
        "::: quiz\n::: question single id=pic\nWhich shape is this?\n\n"
        "![A square](images/square.svg)\n\n- [x] A [square](https://example.org/square)\n"
        "- [ ] A [circle](02-circle.md)\n:::\n:::\n"
    )
    reporter = Reporter()
    cc_items(quiz.questions[0], reporter)
    assert [(d.message, d.location) for d in reporter.diagnostics] == [
        (
            "question 'pic' refers to 'images/square.svg', a file of the course that exported "
            "quizzes do not carry: it is missing in the LMS's quiz and question bank",
            Location(Path("/course/01-m/01-lesson.md"), 3),
        ),
        (
            "question 'pic' refers to '02-circle.md', a file of the course that exported "
            "quizzes do not carry: it is missing in the LMS's quiz and question bank",
            Location(Path("/course/01-m/01-lesson.md"), 8),
        ),
    ]
    assert local_references('<a href="#top">x</a><img src="mailto:a@b">') == []


def test_points_no_small_multiple_makes_whole_are_rounded() -> None:
    quiz = lesson_quiz(
        "::: quiz id=odd\n::: question single id=tiny points=0.01\nA?\n\n- [x] a\n- [ ] b\n:::\n"
        "::: question single id=big points=3\nB?\n\n- [x] a\n- [ ] b\n:::\n:::\n"
    )
    reporter = Reporter()
    items = [item for question in quiz.questions for item in cc_items(question, reporter)]
    assert [item.share for item in items] == [Fraction(1, 100), Fraction(3)]
    assert whole_weights(quiz, items, reporter) == [1, 3]
    assert [d.message for d in reporter.diagnostics] == [
        "Common Cartridge gives questions whole points from 1 to 99: in quiz 'odd' each "
        "question's points are rounded, so their shares of the quiz change"
    ]


def test_a_lone_paragraph_choice_is_inline() -> None:
    quiz = lesson_quiz(
        "::: quiz\n::: question single\nA?\n\n- [x] **bold**\n- [ ] two\n\n  paragraphs\n:::\n:::\n"
    )
    first, second = quiz.questions[0].choices
    assert render_inline(first.text) == "<strong>bold</strong>"
    assert render_inline(second.text) == "<p>two</p>\n<p>paragraphs</p>"


# --------------------------------------------------------------------------- schemas and packages


@pytest.mark.parametrize("version", sorted(QTI_SCHEMAS))
@pytest.mark.parametrize("quiz_id", sorted(DESCRIPTORS))
def test_descriptor_is_valid_qti_in_the_cc_profile(
    course: Course, version: str, quiz_id: str
) -> None:
    schema = load_validator().load_schema(QTI_SCHEMAS[version])
    document = etree.fromstring(assessment_xml(quiz_of(course, quiz_id), "T", Reporter()))
    assert schema.validate(document), schema.error_log
    assert (SHARED / "schemas" / QTI_SCHEMAS[version]).is_file()


@pytest.fixture(scope="module")
def cartridges(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltPackage]:
    result = build([ROOTS / "quizzes"], tmp_path_factory.mktemp("dist"), ["imscc11", "imscc13"])
    return {package.format: package for package in result.packages}


@pytest.mark.parametrize("name", ["imscc11", "imscc13"])
def test_cartridge_with_quizzes_passes_every_check(
    cartridges: dict[str, BuiltPackage], name: str
) -> None:
    path = cartridges[name].path
    assert schema_problems(path) == []
    report = validate_package(path, SHARED / "schemas")
    codes = [problem.code for problem in report.problems]
    assert codes == ([] if name == "imscc11" else ["moodle.cc-version"])


@pytest.mark.parametrize("name", ["imscc11", "imscc13"])
def test_each_quiz_is_an_assessment_in_its_modules_section(
    cartridges: dict[str, BuiltPackage], name: str
) -> None:
    suffix = "v1p1" if name == "imscc11" else "v1p3"
    ns = {"cp": f"http://www.imsglobal.org/xsd/imscc{suffix}/imscp_v1p1"}
    root = etree.fromstring(read_entry(cartridges[name].path, "imsmanifest.xml"))
    resources = {r.get("identifier"): r for r in root.iterfind(".//cp:resources/cp:resource", ns)}
    for quiz_id, path in DESCRIPTORS.items():
        resource = resources[f"quiz.{quiz_id}"]
        assert resource.get("type") == f"imsqti_xmlv1p2/imscc_xml{suffix}/assessment"
        assert resource.get("href") is None
        assert [f.get("href") for f in resource.iterfind("cp:file", ns)] == [path]
    section = next(
        item
        for item in root.iterfind(".//cp:organization/cp:item/cp:item", ns)
        if item.findtext("cp:title", namespaces=ns) == "Assessment"
    )
    assert [
        (child.findtext("cp:title", namespaces=ns), child.get("identifierref"))
        for child in section.iterfind("cp:item", ns)
    ] == [
        ("Practice", "res.assessment.practice"),
        ("Module quiz", "res.assessment.module-quiz"),
        ("Final exam", "res.assessment.final-exam"),
        ("Module 3 quiz: keys / signatures", "quiz.module-quiz"),
        ("Final exam", "quiz.final-exam"),
    ]


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("imscc11", "imsmanifest.xml"),
        ("imscc13", "imsmanifest.xml"),
        ("imscc11", DESCRIPTORS["module-quiz"]),
        ("imscc11", DESCRIPTORS["final-exam"]),
    ],
)
def test_cartridge_matches_the_reviewed_golden_file(
    cartridges: dict[str, BuiltPackage], name: str, entry: str, update_golden: bool
) -> None:
    golden = GOLDEN / "quizzes" / name / entry
    written = read_entry(cartridges[name].path, entry)
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(written)
    assert written.decode() == golden.read_text(encoding="utf-8")


def test_both_versions_carry_the_same_descriptors(cartridges: dict[str, BuiltPackage]) -> None:
    for path in DESCRIPTORS.values():
        assert read_entry(cartridges["imscc11"].path, path) == read_entry(
            cartridges["imscc13"].path, path
        )
