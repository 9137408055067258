"""Quizzes for Moodle's question bank: Moodle XML and GIFT that Moodle's importers accept."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from lxml import etree

from builder.assessment import Question, QuestionKind, Quiz, parse_quizzes
from builder.build import BuiltPackage, build
from builder.errors import CourseError, Location, Reporter, display_path
from builder.model import Course, Lesson
from builder.qti import number_text, render_html, render_inline, render_plain
from builder.questionbank import (
    ALLOWED_FRACTIONS,
    FRACTION_TOLERANCE,
    MOODLE_FRACTIONS,
    categories,
    choice_fractions,
    gift,
    gift_html,
    is_allowed_fraction,
    moodle_xml,
    nearest_fraction,
    percent,
    shares,
    short_answer_text,
)
from builder.sources import load_course
from tests.support import GOLDEN, ROOTS, read_entry, zip_names

MOODLE_FILE = "moodle/quizzes.xml"
GIFT_FILE = "gift/quizzes.txt"


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(ROOTS / "quizzes", Reporter())
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> BuiltPackage:
    result = build([ROOTS / "quizzes"], tmp_path_factory.mktemp("dist"), ["questionbank"])
    (package,) = result.packages
    return package


def questions(course: Course) -> list[Question]:
    return [question for quiz in course.quizzes for question in quiz.questions]


def question(course: Course, question_id: str) -> Question:
    return next(q for q in questions(course) if q.id == question_id)


# --------------------------------------------------------------------------- grades


def test_the_allowed_fractions_are_moodles() -> None:
    # question_bank::fraction_options_full(): 0, ±1 and ± these, within 0.00001.
    assert len(ALLOWED_FRACTIONS) == 2 * len(MOODLE_FRACTIONS) + 1 == 41
    for denominator in (*range(1, 11), 20):
        assert is_allowed_fraction(1 / denominator)
        assert is_allowed_fraction(-1 / denominator)
    assert not is_allowed_fraction(0.33)  # refused by Moodle's import
    assert not is_allowed_fraction(1 / 11)


@pytest.mark.parametrize("count", range(1, 26))
def test_right_choices_share_100_percent_in_allowed_grades(count: int) -> None:
    values = shares(count)
    assert len(values) == count
    assert all(is_allowed_fraction(value) for value in values)
    if count <= 20:
        # Moodle refuses a multiple-answer question whose grades do not add up to 100%.
        assert round(sum(values), 2) == 1
    if count <= 10:
        assert all(abs(value - 1 / count) < FRACTION_TOLERANCE for value in values)


def test_percentages_are_written_as_moodle_reads_them() -> None:
    assert [percent(f) for f in (1.0, 0.0, 0.3333333, -0.5, 0.1428571, 0.05)] == [
        "100",
        "0",
        "33.33333",
        "-50",
        "14.28571",
        "5",
    ]
    assert nearest_fraction(1 / 11) == 0.1
    assert nearest_fraction(-0.33) == -0.3333333


def lesson_quiz(body: str) -> Quiz:
    lesson = Lesson(
        id="basics/welcome",  # a lesson of the minimal course
        title="Welcome",
        path=Path("/course/01-basics/01-welcome.md"),
        relpath="01-basics/01-welcome.md",
        body=body,
        body_line=1,
    )
    reporter = Reporter()
    (quiz,) = parse_quizzes(lesson, reporter).quizzes
    assert reporter.diagnostics == []
    return quiz


def lesson_question(body: str) -> Question:
    return lesson_quiz(body).questions[0]


def test_eleven_right_choices_mix_ten_and_five_percent() -> None:
    choices = "".join(f"- [x] right {n}\n" for n in range(11)) + "- [ ] wrong\n"
    multiple = lesson_question(f"::: question multiple id=many\nPick.\n\n{choices}:::\n")
    reporter = Reporter()
    fractions = choice_fractions(multiple, reporter)
    assert fractions == [0.1] * 9 + [0.05] * 2 + [-1.0]
    assert [d.message for d in reporter.diagnostics] == [
        "Moodle has no grade of 1/11: in the question bank, the 11 right choices of question "
        "'many' are worth 10% or 5% each"
    ]


def test_eleven_wrong_choices_cost_the_nearest_allowed_grade() -> None:
    choices = "- [x] right\n" + "".join(f"- [ ] wrong {n}\n" for n in range(11))
    multiple = lesson_question(f"::: question multiple id=decoys\nPick.\n\n{choices}:::\n")
    reporter = Reporter()
    assert choice_fractions(multiple, reporter) == [1.0] + [-0.1] * 11
    assert [d.message for d in reporter.diagnostics] == [
        "Moodle has no grade of -1/11: in the question bank, each wrong choice of question "
        "'decoys' costs 10% of its points"
    ]


# --------------------------------------------------------------------------- Moodle XML


def moodle_questions(data: bytes) -> list[etree._Element]:
    return list(etree.fromstring(data).iterfind("question"))


def test_every_fraction_is_one_moodle_accepts(bank: BuiltPackage) -> None:
    # Matching questions' answers sit in subquestions and carry no grade.
    root = etree.fromstring(read_entry(bank.path, MOODLE_FILE))
    fractions = [
        float(answer.get("fraction", "")) / 100 for answer in root.iterfind("question/answer")
    ]
    assert len(fractions) > 40
    assert all(is_allowed_fraction(fraction) for fraction in fractions)


def test_every_question_type_is_there_natively(bank: BuiltPackage, course: Course) -> None:
    found = moodle_questions(read_entry(bank.path, MOODLE_FILE))
    types = [(q.get("type"), q.findtext("name/text")) for q in found]
    assert [t for t, _ in types].count("category") == 3
    assert dict((name, t) for t, name in types if t != "category") == {
        "warm-up": "multichoice",
        "warm-up-word": "shortanswer",
        "mq-single": "multichoice",
        "mq-multiple": "multichoice",
        "mq-strict": "multichoice",
        "mq-true-false": "truefalse",
        "mq-short": "shortanswer",
        "mq-numeric": "numerical",
        "mq-matching": "matching",
        "mq-ordering": "ordering",
        "ex-single": "multichoice",
        "ex-multiple": "multichoice",
        "ex-true-false": "truefalse",
        "ex-short": "shortanswer",
        "ex-numeric": "numerical",
        "ex-matching": "matching",
        "ex-ordering": "ordering",
    }
    for element in found:
        if element.get("type") != "category":
            model = question(course, element.findtext("name/text") or "")
            assert element.findtext("idnumber") == model.id
            assert float(element.findtext("defaultgrade") or "") == model.points
            hints = [hint.findtext("text") for hint in element.iterfind("hint")]
            assert hints == [render_html(hint) for hint in model.hints]


def by_name(bank: BuiltPackage) -> dict[str, etree._Element]:
    return {
        q.findtext("name/text") or "": q
        for q in moodle_questions(read_entry(bank.path, MOODLE_FILE))
        if q.get("type") != "category"
    }


def test_categories_file_each_quiz_under_the_course(bank: BuiltPackage, course: Course) -> None:
    root = etree.fromstring(read_entry(bank.path, MOODLE_FILE))
    paths = [c.findtext("category/text") for c in root.iterfind("question[@type='category']")]
    assert paths == [
        "$course$/Quizzes course/Practice",
        "$course$/Quizzes course/Module 3 quiz: keys // signatures",  # '/' in a title is '//'
        "$course$/Quizzes course/Final exam",
    ]
    assert [c.path for c in categories(course)] == paths


def test_multichoice_grades_follow_sabaqs_marking(bank: BuiltPackage) -> None:
    questions_ = by_name(bank)

    def grades(name: str) -> list[str | None]:
        return [answer.get("fraction") for answer in questions_[name].iterfind("answer")]

    assert questions_["mq-single"].findtext("single") == "true"
    assert questions_["mq-single"].findtext("shuffleanswers") == "true"
    assert grades("mq-single") == ["0", "100", "0"]
    assert questions_["mq-multiple"].findtext("single") == "false"
    # 3 right choices earn a third each; 2 wrong ones cost a half each.
    assert grades("mq-multiple") == ["33.33333", "33.33333", "-50", "33.33333", "-50"]
    assert grades("mq-strict") == ["50", "50", "-100"]  # partial=no: a wrong tick costs all
    single = questions_["mq-single"]
    assert single.findtext("correctfeedback/text") == "<p>Well done.</p>"
    assert single.findtext("partiallycorrectfeedback/text") == "<p>Not quite.</p>"
    assert single.findtext("generalfeedback/text") == (
        "<p>Changing one block means redoing the work for all the blocks after it.</p>"
    )


def test_true_false_short_and_numeric_keep_their_feedback(bank: BuiltPackage) -> None:
    questions_ = by_name(bank)
    answers = [
        (a.findtext("text"), a.get("fraction"), a.findtext("feedback/text"))
        for a in questions_["mq-true-false"].iterfind("answer")
    ]
    assert answers == [
        (
            "true",
            "100",
            "<p>Yes. The network adjusts the difficulty to keep it near ten minutes.</p>\n"
            "<p>Right.</p>",
        ),
        ("false", "0", "<p>The difficulty keeps it near ten minutes.</p>\n<p>Wrong.</p>"),
    ]
    short = questions_["mq-short"]
    assert short.findtext("usecase") == "1"
    assert questions_["ex-short"].findtext("usecase") == "0"
    assert [(a.findtext("text"), a.get("fraction")) for a in short.iterfind("answer")] == [
        ("const", "100"),
        ("a=b{c}#d~e:f", "100"),
        ("*", "0"),  # any other answer: the Incorrect: feedback
    ]
    numeric = questions_["mq-numeric"]
    assert [
        (a.findtext("text"), a.findtext("tolerance"), a.get("fraction"))
        for a in numeric.iterfind("answer")
    ] == [("3.125", "0", "100"), ("3.15", "0.05", "100"), ("21000000", "0", "100"), ("*", "0", "0")]
    assert short_answer_text("a*b") == "a\\*b"  # '*' is Moodle's wildcard


def test_matching_and_ordering_are_moodles_own_types(bank: BuiltPackage) -> None:
    questions_ = by_name(bank)
    pairs = [
        (sub.findtext("text"), sub.findtext("answer/text"))
        for sub in questions_["mq-matching"].iterfind("subquestion")
    ]
    assert pairs == [
        ("Hash", "A fixed-size fingerprint of any data"),
        ("Nonce", "The number miners change"),
        ("Merkle root", "One hash that commits to every transaction"),
        ("", "A digital signature"),  # a distractor: an answer with no question
    ]
    shared = [
        sub.findtext("answer/text") for sub in questions_["ex-matching"].iterfind("subquestion")
    ]
    assert shared == ["miners", "validators", "miners"]
    ordering = questions_["mq-ordering"]
    assert ordering.findtext("gradingtype") == "LONGEST_ORDERED_SUBSET"
    assert questions_["ex-ordering"].findtext("gradingtype") == "ALL_OR_NOTHING"
    assert ordering.findtext("selecttype") == "ALL"
    assert ordering.findtext("selectcount") == "4"
    assert [a.findtext("text") for a in ordering.iterfind("answer")] == [
        "Collect transactions from the memory pool",
        "Build the Merkle root",
        "Try nonces until the block hash is below the target",
        "Broadcast the block",
    ]


def test_moodle_warnings_name_the_question_and_the_change(course: Course) -> None:
    reporter = Reporter()
    moodle_xml(course, reporter)
    assert [(d.location.line if d.location else None, d.message) for d in reporter.diagnostics] == [
        (
            37,
            "Moodle cannot give points only for a completely right multiple-response answer: "
            "in the question bank, question 'mq-strict' gives each right choice ticked its "
            "share, and any wrong choice ticked costs all the points",
        ),
        (
            90,
            "Moodle marks a partly right order as the longest run of items in the right order "
            "out of all the items, where Sabaq leaves the first item of the run out: in the "
            "question bank, question 'mq-ordering' with one item out of place earns 75% "
            "rather than 67%",
        ),
        (
            43,
            "Moodle's matching questions always give part of the points: in the question "
            "bank, question 'ex-matching' earns its share for each right pair (partial=no is "
            "lost)",
        ),
    ]


# --------------------------------------------------------------------------- GIFT


_ESCAPES = {"\\:": "&&058;", "\\#": "&&035;", "\\=": "&&061;", "\\{": "&&123;"}
_ESCAPES |= {"\\}": "&&125;", "\\~": "&&126;", "\\n": "&&010"}
_RESTORED = {":": "&&058;", "#": "&&035;", "=": "&&061;", "{": "&&123;", "}": "&&125;"}
_RESTORED |= {"~": "&&126;", "\n": "&&010"}
_WEIGHT = re.compile(r"^%(-*[0-9]{1,2}\.?[0-9]*)%")


def _pre(text: str) -> str:
    """Moodle's escapedchar_pre(): escaped specials become placeholders."""
    text = text.replace("\\\\", "&&092;")
    for escaped, placeholder in _ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text.replace("&&092;", "\\\\")


def _post(text: str) -> str:
    """Moodle's escapedchar_post(): placeholders become the characters."""
    for character, placeholder in _RESTORED.items():
        text = text.replace(placeholder, character)
    return text


@dataclass
class GiftQuestion:
    category: str
    name: str
    idnumber: str
    qtype: str
    text: str
    general: str
    answers: list[tuple[str, float, str]] = field(default_factory=list)
    """(text, weight, feedback); matching: (left, 0, right)."""


def _weighted(answer: str, default: float) -> tuple[str, float]:
    match = _WEIGHT.match(answer)
    if match is None:
        return answer, default
    return answer[match.end() :], float(match[1]) / 100


def _split_feedback(answer: str) -> tuple[str, str]:
    text, _, feedback = answer.partition("#")
    return _post(text.strip()), _post(feedback.strip())


def _gift_blocks(text: str) -> list[list[str]]:
    """The questions of a GIFT file, cut as Moodle's readquestions() cuts them.

    PHP's file() splits at "\\n" alone; each line is trim()med (of " \\t\\n\\r\\0\\x0B"), and
    one that PHP's empty() finds empty — "" or "0" — ends the question.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        trimmed = line.strip(" \t\n\r\0\x0b")
        if trimmed in ("", "0"):
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(trimmed)
    if current:
        blocks.append(current)
    return blocks


def parse_gift(data: bytes) -> list[GiftQuestion]:
    """Read GIFT as Moodle's qformat_gift::readquestion() does, for the kinds Sabaq writes."""
    text = data.decode("utf-8")
    found: list[GiftQuestion] = []
    category = ""
    for lines in _gift_blocks(text):
        comments = [line for line in lines if line.startswith("//")]
        body = "\n".join(line for line in lines if not line.startswith("//")).strip()
        if not body:
            continue
        body = _pre(body)
        if body.startswith("$CATEGORY:"):
            category = body[10:].strip()
            continue
        assert body.startswith("::")
        name, _, body = body[2:].partition("::")
        start, end = body.index("{"), body.index("}")
        question_text, answer_text = body[:start], body[start + 1 : end].strip()
        answer_text, _, general = answer_text.partition("####")
        answer_text = answer_text.strip()
        idnumber = next(
            (c[c.index("[id:") + 4 : c.index("]")] for c in comments if "[id:" in c), ""
        )
        entry = GiftQuestion(
            category, _post(name), idnumber, "", _post(question_text), _post(general.strip())
        )
        found.append(entry)
        if answer_text.startswith("#"):
            entry.qtype = "numerical"
            numbers, _, wrong = answer_text[1:].partition("~")
            for answer in numbers.split("=")[1:]:
                value, weight = _weighted(answer.strip(), 1.0)
                number, feedback = _split_feedback(value)
                entry.answers.append((number, weight, feedback))
            if wrong:
                entry.answers.append(("*", 0.0, _split_feedback(wrong)[1]))
        elif "~" in answer_text:
            entry.qtype = "multichoice" if "=" in answer_text else "multichoice-multi"
            for answer in answer_text.replace("=", "~=").split("~")[1:]:
                answer = answer.strip()
                if answer.startswith("="):
                    text_, weight = answer[1:], 1.0
                else:
                    text_, weight = _weighted(answer, 0.0)
                choice, feedback = _split_feedback(text_)
                entry.answers.append((choice, weight, feedback))
        elif "=" in answer_text and "->" in answer_text:
            entry.qtype = "match"
            for answer in answer_text.split("=")[1:]:
                left, _, right = answer.strip().partition("->")
                entry.answers.append((_post(left.strip()), 0.0, _post(right.strip())))
        elif answer_text.split("#")[0].strip() in ("T", "TRUE", "F", "FALSE"):
            entry.qtype = "truefalse"
            parts = [_post(part) for part in answer_text.split("#", 2)]
            parts += [""] * (3 - len(parts))
            entry.answers.append((parts[0], 1.0, parts[2]))  # (answer, -, right feedback)
            entry.answers.append(("", 0.0, parts[1]))  # wrong feedback
        else:
            entry.qtype = "shortanswer"
            for answer in answer_text.split("=")[1:]:
                text_, weight = _weighted(answer.strip(), 1.0)
                accepted, feedback = _split_feedback(text_)
                entry.answers.append((accepted, weight, feedback))
    return found


def _html_text(text: str) -> str:
    """Compare HTML as a browser reads it (entities such as &#92; decoded)."""
    return html.unescape(text)


def test_gift_reads_back_as_the_model(bank: BuiltPackage, course: Course) -> None:
    data = read_entry(bank.path, GIFT_FILE)
    data.decode("utf-8")  # Moodle refuses anything but UTF-8
    parsed = {entry.name: entry for entry in parse_gift(data)}
    paths = {c.quiz.id: c.path for c in categories(course)}
    assert list(parsed) == [q.id for q in questions(course)]
    for quiz in course.quizzes:
        for model in quiz.questions:
            entry = parsed[model.id]
            assert entry.category == paths[quiz.id]
            assert entry.idnumber == model.id
            assert entry.text.startswith("[html]")
            assert _html_text(entry.text[6:]) == _html_text(render_html(model.prompt))
            general = render_html(model.explanation) if model.explanation else ""
            assert _html_text(entry.general) == _html_text(general)
            _check_gift_answers(entry, model, quiz)


def _check_gift_answers(entry: GiftQuestion, model: Question, quiz: Quiz) -> None:
    kind = model.kind
    if kind is QuestionKind.SINGLE:
        assert entry.qtype == "multichoice"
        assert [(_html_text(a), w) for a, w, _ in entry.answers] == [
            (_html_text(render_inline(c.text)), 1.0 if c.correct else 0.0) for c in model.choices
        ]
    elif kind is QuestionKind.MULTIPLE:
        assert entry.qtype == "multichoice-multi"
        expected = choice_fractions(model, Reporter())
        assert [w for _, w, _ in entry.answers] == pytest.approx(expected, abs=FRACTION_TOLERANCE)
        assert all(is_allowed_fraction(w) for _, w, _ in entry.answers)
    elif kind is QuestionKind.TRUE_FALSE:
        assert entry.qtype == "truefalse"
        right = next(c for c in model.choices if c.correct)
        assert entry.answers[0][0] == right.id.upper()
    elif kind is QuestionKind.SHORT:
        assert entry.qtype == "shortanswer"
        accepted = [(a, w) for a, w, _ in entry.answers if w == 1.0]
        assert accepted == [(short_answer_text(a), 1.0) for a in model.answers]
    elif kind is QuestionKind.NUMERIC:
        assert entry.qtype == "numerical"
        numbers = [(a, w) for a, w, _ in entry.answers if a != "*"]
        assert numbers == [
            (f"{number_text(n.value)}:{number_text(n.tolerance)}", 1.0) for n in model.numbers
        ]
    elif kind is QuestionKind.MATCHING:
        assert entry.qtype == "match"
        targets = {t.id: render_plain(t.text) for t in model.targets}
        expected_pairs = [(render_inline(p.left), targets[p.target_id]) for p in model.pairs]
        expected_pairs += [("", targets[t.id]) for t in model.targets if t.distractor]
        assert [(_html_text(left), right) for left, _, right in entry.answers] == expected_pairs
    else:
        assert entry.qtype == "match"  # GIFT has no ordering: items matched to positions
        assert [(_html_text(left), right) for left, _, right in entry.answers] == [
            (render_inline(item.text), str(n)) for n, item in enumerate(model.items, start=1)
        ]


def test_gift_escapes_its_special_characters(bank: BuiltPackage) -> None:
    parsed = {entry.name: entry for entry in parse_gift(read_entry(bank.path, GIFT_FILE))}
    short = parsed["mq-short"]
    assert short.text.endswith("Escape these: ~ = # { } : &#92;</p>")
    assert short.answers[1][0] == "a=b{c}#d~e:f"
    assert short.answers[-1] == ("*", 0.0, "<p>It is a five-letter word.</p>")
    assert gift_html("a\\b") == "a&\\#92;b"  # a backslash as an entity, its '#' escaped
    assert gift_html("[plain] 50%") == "&\\#91;plain] 50%"  # not read as a format
    assert gift_html("%50% off") == "&\\#37;50% off"  # not read as a grade
    assert gift_html("one\ntwo") == "one\\ntwo"


def test_gift_folds_the_overall_feedback_where_one_answer_says_it(bank: BuiltPackage) -> None:
    parsed = {entry.name: entry for entry in parse_gift(read_entry(bank.path, GIFT_FILE))}
    single = parsed["mq-single"].answers
    assert single[1][2] == (
        "<p>Right: an attacker would have to redo the work of every later block.</p>\n"
        "<p>Well done.</p>"
    )
    assert single[2][2] == "<p>Not quite.</p>"
    true_false = parsed["mq-true-false"].answers
    assert true_false[0][2].endswith("<p>Right.</p>")
    assert true_false[1][2].endswith("<p>Wrong.</p>")


def test_gift_warnings_say_what_it_changes_and_leaves_out(course: Course) -> None:
    reporter = Reporter()
    gift(course, reporter, GIFT_FILE, MOODLE_FILE)
    gift_only = [d for d in reporter.diagnostics if "GIFT" in d.message]
    assert [(d.location.line if d.location else None, d.message) for d in gift_only] == [
        (
            57,
            "GIFT cannot make a short answer case-sensitive: in gift/quizzes.txt, question "
            "'mq-short' accepts its answers in any letter case",
        ),
        (
            90,
            "GIFT has no ordering questions: in gift/quizzes.txt, question 'mq-ordering' becomes "
            "a matching question that pairs each of its 4 items with its position, earning a "
            "share for each item in its exact place",
        ),
        (
            51,
            "GIFT has no ordering questions: in gift/quizzes.txt, question 'ex-ordering' becomes "
            "a matching question that pairs each of its 3 items with its position, earning a "
            "share for each item in its exact place (partial=no is lost)",
        ),
        (
            8,
            "gift/quizzes.txt leaves out what GIFT cannot hold: the hints of questions "
            "'warm-up', 'mq-single' and 'mq-matching', the Correct:/Incorrect: feedback of "
            "questions 'mq-multiple' and 'mq-matching' and the points of questions 'mq-single' "
            "and 'mq-numeric' (GIFT gives every question 1 point)",
        ),
    ]
    assert gift_only[-1].hint == (
        "moodle/quizzes.xml in the same package holds the complete questions; import it instead"
    )


INJECTED_TITLES = [
    "Blockchain\n\n::injected::Which is right?{=this one ~that one}",
    "Blockchain\r\n\r\n::injected::Which?{=a ~b}",
    "Blockchain\r::injected::Which?{=a ~b}",
    "Blockchain\x0b\n\x0b\n::injected::Which?{=a ~b}",
    "Blockchain\u2028\u2029\x85\n0\n::injected::Which?{=a ~b}",
    "Blockchain\n// [id:other]\n\n$CATEGORY: $course$/elsewhere",
]


@pytest.mark.parametrize("title", INJECTED_TITLES)
def test_no_course_title_can_end_the_header_comment_or_start_a_question(
    course: Course, title: str
) -> None:
    """The loader refuses such titles; the writer must not need it to."""
    hostile = replace(course, config=replace(course.config, title=title))
    data = gift(hostile, Reporter(), GIFT_FILE, MOODLE_FILE)
    header = data.decode("utf-8").split("\n", 1)[0]
    assert header == f"// {' '.join(title.split())}: questions exported by Sabaq; see README.txt"
    parsed = parse_gift(data)
    assert [entry.name for entry in parsed] == [q.id for q in questions(course)]
    # Moodle cuts a category path at single slashes and reads '//' as one slash.
    names = {
        tuple(part.replace("//", "/") for part in re.split(r"(?<!/)/(?!/)", entry.category))
        for entry in parsed
    }
    assert {parts[1] for parts in names} == {" ".join(title.split())}


@pytest.mark.parametrize("text", ["one\ntwo", "one\r\ntwo", "one\rtwo", "one\n\n\ntwo"])
def test_gift_text_never_holds_a_line_break(text: str) -> None:
    escaped = gift_html(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert escaped.replace("\\n", "\n") == text.replace("\r\n", "\n").replace("\r", "\n")


def test_no_quiz_title_can_break_its_category_line(course: Course) -> None:
    quiz = course.quizzes[0]
    hostile_quiz = replace(quiz, title="Quiz\n\n::injected::Which?{=a ~b}")
    hostile = replace(course, quizzes=(hostile_quiz, *course.quizzes[1:]))
    parsed = parse_gift(gift(hostile, Reporter(), GIFT_FILE, MOODLE_FILE))
    assert [entry.name for entry in parsed] == [q.id for q in questions(course)]


def test_gift_reports_a_backslash_that_would_swallow_the_feedback() -> None:
    check = lesson_quiz(
        "::: question short id=path\nWhere is the root folder?\n\nAnswer: C:\\\n"
        "Correct: Yes.\n:::\n"
    )
    minimal = load_course(ROOTS / "minimal", Reporter())
    assert minimal is not None
    reporter = Reporter()
    gift(replace(minimal, quizzes=(check,)), reporter, "gift/c.txt", "moodle/c.xml")
    assert [d.message for d in reporter.diagnostics] == [
        "Moodle's GIFT import would change 'C:\\' in question 'path': its last backslash "
        "would escape the '#' that starts the Correct: feedback, which would become part of "
        "the answer"
    ]


def test_gift_reports_answers_its_import_would_change() -> None:
    check = lesson_quiz(
        "::: question short id=escape\nWhich escape is a new line?\n\nAnswer: \\n\n"
        "Answer: a->b\n:::\n"
    )
    minimal = load_course(ROOTS / "minimal", Reporter())
    assert minimal is not None
    reporter = Reporter()
    gift(replace(minimal, quizzes=(check,)), reporter, "gift/c.txt", "moodle/c.xml")
    assert [d.message for d in reporter.diagnostics] == [
        "Moodle's GIFT import would change '\\n' in question 'escape': it reads a backslash "
        "before n, ~, =, #, {, }, : or another backslash as an escape",
        "Moodle's GIFT import would read question 'escape' as a matching question, because "
        "its answer 'a->b' contains '->'",
    ]


# --------------------------------------------------------------------------- the package


def test_the_package_holds_both_files_and_how_to_import_them(bank: BuiltPackage) -> None:
    assert sorted(zip_names(bank.path)) == ["README.txt", GIFT_FILE, MOODLE_FILE]
    assert bank.folder is not None and (bank.folder / MOODLE_FILE).is_file()
    readme = read_entry(bank.path, "README.txt").decode("utf-8")
    assert "Get category from" in readme
    assert "- Final exam (exam): 7 questions\n  draws 5 at random" in readme


NO_QUESTIONS = "the course has no quizzes, so there are no questions to export"


def test_a_course_without_questions_gets_no_question_bank(tmp_path: Path) -> None:
    # Moodle's XML importer crashes on a file without questions.
    result = build([ROOTS / "minimal"], tmp_path, ["questionbank", "scorm12"])
    assert [package.format for package in result.packages] == ["scorm12"]
    assert [(w.location, w.message) for w in result.warnings] == [
        (
            Location(ROOTS / "minimal" / "course.yml", 1),
            f"no questionbank package is built: {NO_QUESTIONS}",
        )
    ]
    assert [path.name for path in tmp_path.iterdir()] == ["minimal-1.0-en-scorm12.zip"]


def test_a_question_bank_alone_without_questions_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CourseError) as raised:
        build([ROOTS / "minimal"], tmp_path, ["questionbank"])
    assert [d.format() for d in raised.value.diagnostics] == [
        f"{display_path(ROOTS / 'minimal' / 'course.yml')}:1: error: no package was built: "
        f"{NO_QUESTIONS}\n  hint: write questions in the lessons (see docs/quizzes.md), "
        "or build another format, e.g. --format scorm12"
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("entry", [MOODLE_FILE, GIFT_FILE, "README.txt"])
def test_question_bank_matches_the_reviewed_golden_file(
    bank: BuiltPackage, entry: str, update_golden: bool
) -> None:
    golden = GOLDEN / "quizzes" / "questionbank" / entry
    written = read_entry(bank.path, entry)
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(written)
    assert written.decode() == golden.read_text(encoding="utf-8")
