"""Reading a course folder into the :mod:`builder.model`.

A course folder holds ``course.yml`` and module folders; a module folder holds an
optional ``module.yml`` and Markdown lessons. Both are ordered by name, and names
must be plain lowercase ASCII so that every LMS and web server serves them alike.

A symbolic link is followed only when it leads to a place inside the course folder:
a package holds exactly what the course folder holds, so a link to ``/etc/passwd``
named ``01-notes.md`` must not put that file in a zip. Links inside the folder are
allowed (a module may share another's images or lessons); they cannot reach anything
the author did not put in the course.
"""

from __future__ import annotations

import copyreg
import dataclasses
import pickle
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from builder import assessment, errors, model
from builder.assessment import Quiz, check_unique_ids, read_quizzes
from builder.buildcache import Shelf, code_fingerprint, entry_name
from builder.config import COURSE_FILE, CourseConfig, load_config
from builder.errors import Diagnostic, Level, Location, Reporter
from builder.fields import FieldReader, character_problem, find_bad_character
from builder.grading import check_grading
from builder.model import Course, Lesson, Module, WebLink
from builder.parallel import map_in_processes
from builder.yamldoc import YamlDoc, load_yaml_file, parse_yaml_mapping

MODULE_FILE = "module.yml"
LESSON_SUFFIX = ".md"
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
ORDER_PREFIX = re.compile(r"^\d+[-_.]")
LESSON_KEYS = frozenset({"id", "title", "duration", "objectives"})
MODULE_KEYS = frozenset({"id", "title", "description", "links", "discussion"})
_WEB_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def load_course(course_dir: Path, reporter: Reporter, jobs: int = 1) -> Course | None:
    """Load every part of a course, reporting all problems; None if any was fatal.

    Lessons are read over ``jobs`` processes when there are many; each lesson read by
    an earlier build from the same bytes is taken from the cache (:class:`_LessonShelf`).
    """
    root = course_dir.resolve()
    if _leaves_course(root / COURSE_FILE, root, reporter):
        return None
    config = load_config(root, reporter)
    if config is None:
        return None
    drafts = [
        draft
        for folder in _ordered_children(root, root, reporter)
        if folder.is_dir() and (draft := _read_module(root, folder, reporter)) is not None
    ]
    wanted = [(path, draft.id) for draft in drafts for path in draft.lesson_files]
    read = dict(zip(wanted, _read_lessons(root, wanted, reporter, jobs), strict=True))
    modules = [draft.module(read) for draft in drafts]
    if not modules and not reporter.errors:
        reporter.error(
            "the course has no modules",
            config.location(),
            "add a folder such as 01-introduction/ holding lessons like 01-welcome.md",
        )
    _check_unique_ids(modules, config, reporter)
    _check_duration(config, modules, reporter)
    quizzes = [quiz for each in read.values() for quiz in each.quizzes]
    check_unique_ids(quizzes, reporter)
    course = Course(config=config, root=root, modules=tuple(modules), quizzes=tuple(quizzes))
    check_grading(course, reporter)
    return course


@dataclass(frozen=True, slots=True)
class _ReadLesson:
    """A lesson file as read: the lesson (None if it cannot be), its quizzes, its problems."""

    lesson: Lesson | None
    quizzes: tuple[Quiz, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


def _read_lessons(
    root: Path, wanted: list[tuple[Path, str]], reporter: Reporter, jobs: int
) -> list[_ReadLesson]:
    """Each lesson file of ``wanted`` (path, module id), read, with its problems reported.

    Each file's bytes are read once: a lesson is made of, and kept under, the very bytes
    it was recalled by, even when the author saves the file while the build reads it.
    """
    shelf = _LessonShelf(root)
    files = [_lesson_bytes(path) for path, _ in wanted]
    found = [shelf.recall(*each, data) for each, data in zip(wanted, files, strict=True)]
    missing = [index for index, each in enumerate(found) if each is None]
    done = map_in_processes(
        lambda index: _read_lesson(root, *wanted[index], files[index]),
        missing,
        jobs,
        worth_it_from=PARALLEL_READS_FROM,
    )
    for index, each in zip(missing, done, strict=True):
        shelf.keep(*wanted[index], files[index], each)
        found[index] = each
    shelf.store()
    complete = [each for each in found if each is not None]
    for each in complete:
        reporter.diagnostics += each.diagnostics
    return complete


PARALLEL_READS_FROM = 128
"""Fewer lessons than this are read in this process: reading one takes about a
millisecond and a half, and starting workers a tenth of a second."""


def _read_lesson(root: Path, path: Path, module_id: str, data: bytes | None) -> _ReadLesson:
    """The lesson at ``path``, made of ``data`` (its file's bytes; None: read the file,
    which reports why it could not be read before)."""
    reporter = Reporter()
    lesson = _load_lesson(root, path, module_id, reporter, data)
    quizzes = read_quizzes(lesson, reporter) if lesson is not None else ()
    return _ReadLesson(lesson, quizzes, tuple(reporter.diagnostics))


def _pickled_through_constructors(*modules: ModuleType) -> None:
    """Pickle the read-only records of ``modules`` as their class and fields, in order.

    Unpickled, such a record is made by its constructor. Left to themselves, records
    with slots are restored field by field through ``dataclasses``' generic state
    setter, which looks the fields up again for every object: most of the time a
    rebuild of a large course spends bringing its lessons back.
    """
    for module in modules:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and dataclasses.is_dataclass(value)
                and "__slots__" in vars(value)
            ):
                copyreg.pickle(value, _constructor_call(value))


def _constructor_call(cls: type) -> Callable[[Any], tuple[type, tuple[object, ...]]]:
    names = tuple(field.name for field in dataclasses.fields(cls) if field.init)

    def reduce(record: Any) -> tuple[type, tuple[object, ...]]:
        return cls, tuple(getattr(record, name) for name in names)

    return reduce


class _LessonShelf:
    """Lessons read by earlier builds, by the bytes of their file.

    Reading a lesson means parsing its front matter and its Markdown for quizzes,
    most of a large course's load time; a lesson file whose bytes, place and module
    are unchanged reads the same. Entries are pickles in Sabaq's own cache folder,
    trusted as its own compiled code is; one that cannot be read is read afresh.
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._shelf = Shelf("lessons", entry_name(str(root))[:24])

    def recall(self, path: Path, module_id: str, data: bytes | None) -> _ReadLesson | None:
        """The lesson at ``path`` as read from ``data`` (its file's bytes) before."""
        if data is None:
            return None
        return self._shelf.recall(self._name(path, module_id, data), _unpickled_lesson)

    def keep(self, path: Path, module_id: str, data: bytes | None, read: _ReadLesson) -> None:
        """Keep ``read``, the lesson made of ``data``."""
        if data is not None and not any(d.level is Level.ERROR for d in read.diagnostics):
            pickled = pickle.dumps(read, protocol=pickle.HIGHEST_PROTOCOL)
            self._shelf.keep(self._name(path, module_id, data), pickled, read)

    def store(self) -> None:
        self._shelf.store()

    def _name(self, path: Path, module_id: str, data: bytes) -> str:
        return entry_name(code_fingerprint(), str(path), module_id, data)


def _lesson_bytes(path: Path) -> bytes | None:
    """The bytes of the lesson file at ``path``; None for one too large or unreadable
    (reading it as a lesson then says why)."""
    try:
        if path.stat().st_size > MAX_LESSON_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _unpickled_lesson(data: bytes) -> _ReadLesson | None:
    try:
        found = pickle.loads(data)
    except Exception:  # a damaged entry of any kind is only a lesson to read again
        return None
    return found if isinstance(found, _ReadLesson) else None


def _check_duration(config: CourseConfig, modules: list[Module], reporter: Reporter) -> None:
    """Warn when course.yml's duration is not what the lessons add up to.

    Catalogues, LMS course pages and the LOM metadata show the course's duration; a
    stale one (lessons added, times revised) misleads learners planning their week.
    """
    lessons = [lesson for module in modules for lesson in module.lessons]
    durations = [lesson.duration_minutes for lesson in lessons]
    if config.duration_minutes is None or not lessons or None in durations:
        return
    total = sum(minutes for minutes in durations if minutes is not None)
    if total != config.duration_minutes:
        reporter.warning(
            f"'duration' is {_hours(config.duration_minutes)}, but the lessons add up to "
            f"{_hours(total)}",
            config.location("duration"),
            f"write duration: {_hours(total)}, or correct the lessons' durations",
        )


def _hours(minutes: int) -> str:
    """``550`` → ``9h 10m``, as course.yml writes durations."""
    hours, rest = divmod(minutes, 60)
    return (
        " ".join(
            part for part in (f"{hours}h" if hours else "", f"{rest}m" if rest else "") if part
        )
        or "0m"
    )


def slug_from_name(name: str) -> str:
    """``02-proof-of-work.md`` → ``proof-of-work``: the ordering prefix is not identity."""
    stem = name[: -len(LESSON_SUFFIX)] if name.endswith(LESSON_SUFFIX) else name
    return ORDER_PREFIX.sub("", stem, count=1).replace("_", "-").replace(".", "-")


def _ordered_children(folder: Path, root: Path, reporter: Reporter) -> list[Path]:
    children = []
    for child in sorted(folder.iterdir(), key=lambda p: p.name):
        if child.name.startswith((".", "_")):
            continue  # editor and system files, and drafts the author keeps aside
        if not SAFE_NAME.fullmatch(child.name):
            reporter.error(
                f"{_quoted(child.name)} is not a usable file name",
                Location(child),
                "use only lowercase letters a-z, digits, '.', '-' and '_' (no spaces); "
                "LMS web servers treat other names inconsistently",
            )
            continue
        if _leaves_course(child, root, reporter):
            continue
        children.append(child)
    return children


def _quoted(name: str) -> str:
    # A file name may hold anything but '/' and NUL; the author's terminal gets none of it raw.
    return repr(name) if character_problem(name) else f"'{name}'"


def _leaves_course(path: Path, root: Path, reporter: Reporter) -> bool:
    """Report ``path`` if it is a symbolic link that leads out of the course folder.

    A link that leads nowhere is reported too: a lesson would silently go missing.
    """
    if not path.is_symlink():
        return False
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError on a loop of links
        target = None
    if target is None or not target.exists():
        reporter.error(
            f"'{path.name}' is a symbolic link to nothing (a missing file, or a loop of links)",
            Location(path),
            "remove the link, or make it lead to a file inside the course folder",
        )
        return True
    if target != root and root not in target.parents:
        reporter.error(
            f"'{path.name}' is a symbolic link to {target.as_posix()}, outside the course folder",
            Location(path),
            "a package holds only the course's own files: replace the link with a copy of "
            "what it leads to, inside the course folder",
        )
        return True
    return False


@dataclass(frozen=True, slots=True)
class _ModuleDraft:
    """A module folder as read, before its lessons are."""

    id: str
    title: str
    relpath: str
    lesson_files: tuple[Path, ...]
    description: str
    links: tuple[WebLink, ...]
    discussion: str

    def module(self, read: dict[tuple[Path, str], _ReadLesson]) -> Module:
        lessons = (read[path, self.id].lesson for path in self.lesson_files)
        return Module(
            id=self.id,
            title=self.title,
            relpath=self.relpath,
            lessons=tuple(lesson for lesson in lessons if lesson is not None),
            description=self.description,
            links=self.links,
            discussion=self.discussion,
        )


def _read_module(root: Path, folder: Path, reporter: Reporter) -> _ModuleDraft | None:
    children = _ordered_children(folder, root, reporter)
    lesson_files = [
        path for path in children if path.is_file() and path.name.endswith(LESSON_SUFFIX)
    ]
    meta_path = folder / MODULE_FILE
    if not lesson_files and meta_path not in children:
        return None  # an asset folder such as images/, not a module
    relpath = folder.relative_to(root).as_posix()
    slug = slug_from_name(folder.name)
    title = _title_from_slug(slug)
    description = discussion = ""
    links: tuple[WebLink, ...] = ()
    if (
        meta_path in children
        and meta_path.is_file()
        and (doc := load_yaml_file(meta_path, reporter)) is not None
    ):
        read = FieldReader(doc, reporter, MODULE_FILE)
        read.reject_unknown(MODULE_KEYS)
        slug = read.slug("id", default=slug, example=slug)
        title = read.text("title", default=title)
        description = read.text("description", multiline=True)
        discussion = read.text("discussion", multiline=True)
        links = _web_links(doc, reporter)
    if not lesson_files:
        reporter.error(
            "module has no lessons",
            Location(meta_path, 1),
            f"add a Markdown lesson such as {relpath}/01-introduction.md",
        )
        return None
    return _ModuleDraft(slug, title, relpath, tuple(lesson_files), description, links, discussion)


def _web_links(doc: YamlDoc, reporter: Reporter) -> tuple[WebLink, ...]:
    """``links:`` in module.yml: a list of ``{title: ..., url: https://...}``."""
    value = doc.data.get("links")
    if value is None:
        return ()
    if not isinstance(value, list):
        reporter.error("'links' must be a list", doc.location("links"), _LINK_EXAMPLE)
        return ()
    links = []
    for index, entry in enumerate(value):
        title = entry.get("title") if isinstance(entry, dict) else None
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(title, str) or not title.strip() or not isinstance(url, str):
            reporter.error(
                f"link {index + 1} in 'links' needs a 'title' and a 'url'",
                doc.location("links", index),
                _LINK_EXAMPLE,
            )
            continue
        problems = [
            (key, found)
            for key, text in (("title", title.strip()), ("url", url.strip()))
            if (found := character_problem(text)) is not None
        ]
        for key, (problem, hint) in problems:
            reporter.error(
                f"'{key}' of link {index + 1} in 'links' {problem}",
                doc.location("links", index, key),
                hint,
            )
        if problems:
            continue
        if not _WEB_URL.fullmatch(url.strip()):
            reporter.error(
                f"link {index + 1} in 'links' has '{url}', which is not an http(s) address",
                doc.location("links", index, "url"),
                _LINK_EXAMPLE,
            )
            continue
        links.append(WebLink(title.strip(), url.strip()))
    return tuple(links)


_LINK_EXAMPLE = "for example:\n  links:\n    - title: Bitcoin whitepaper\n      url: https://bitcoin.org/bitcoin.pdf"


MAX_LESSON_BYTES = 1024 * 1024
"""A lesson's Markdown, at most: the longest real lesson is a few tens of kilobytes.
A file of 50 MB (a pasted data dump, a hostile file) would take minutes and gigabytes
to render in every format and language, and no learner could read it."""


def _universal_newlines(text: str) -> str:
    """``text`` with its line ends as reading the file as text gives them (universal
    newlines: ``\\r\\n`` and ``\\r`` become ``\\n``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load_lesson(
    root: Path, path: Path, module_id: str, reporter: Reporter, data: bytes | None
) -> Lesson | None:
    try:
        if data is not None:
            text = _universal_newlines(data.decode("utf-8"))
        elif (size := path.stat().st_size) > MAX_LESSON_BYTES:
            reporter.error(
                f"the lesson is {size / 1024 / 1024:.1f} MB; a lesson may hold at most "
                f"{MAX_LESSON_BYTES // 1024 // 1024} MB of Markdown",
                Location(path),
                "split it into several lessons, and keep data and media in files beside it",
            )
            return None
        else:
            text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        reporter.error("file is not valid UTF-8", Location(path), "save the file as UTF-8")
        return None
    except OSError as error:
        reporter.error(f"cannot read the file: {error.strerror or error}", Location(path))
        return None
    text = text.removeprefix("\ufeff")
    if (bad := find_bad_character(text, multiline=True)) is not None:
        index, problem, hint = bad
        line = text.count("\n", 0, index) + 1
        reporter.error(f"the lesson {problem}", Location(path, line), hint)
        return None
    body, body_line = text, 1
    read: FieldReader | None = None
    front = _split_front_matter(text)
    if front is not None:
        yaml_text, body, body_line = front
        doc = parse_yaml_mapping(yaml_text, path, reporter, first_line=2)
        if doc is None:
            return None
        read = FieldReader(doc, reporter, "front matter")
        read.reject_unknown(LESSON_KEYS)
    slug = slug_from_name(path.name)
    title = ""
    duration = None
    objectives: tuple[str, ...] = ()
    if read is not None:
        slug = read.slug("id", default=slug, example=slug)
        errors = len(reporter.errors)
        title = read.text("title")
        title_refused = len(reporter.errors) > errors
        duration = read.minutes("duration")
        objectives = read.text_list("objectives")
        if title_refused:
            return None  # reported: neither 'no title' nor the heading in its place
    if not title:
        title, body, body_line = _title_from_heading(body, body_line)
    if not title:
        reporter.error(
            "lesson has no title",
            Location(path, 1),
            "add front matter ('---', 'title: ...', '---') or start the lesson with '# Title'",
        )
        return None
    return Lesson(
        id=f"{module_id}/{slug}",
        title=title,
        path=path,
        relpath=path.relative_to(root).as_posix(),
        body=body,
        body_line=body_line,
        duration_minutes=duration,
        objectives=objectives,
    )


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Split ``---`` front matter from the body: (yaml, body, first body line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    return None


_H1 = re.compile(r"^# +(.+?)(?: +#+)? *$")


def _title_from_heading(body: str, body_line: int) -> tuple[str, str, int]:
    """Take a leading ``# Title`` line as the lesson title (the theme prints it)."""
    lines = body.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _H1.match(line.rstrip("\n"))
        if match is None:
            break
        # Blank lines replace the consumed ones so Markdown line numbers stay right.
        rest = "\n" * (index + 1) + "".join(lines[index + 1 :])
        return match.group(1).strip(), rest, body_line
    return "", body, body_line


def _title_from_slug(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def _check_unique_ids(modules: list[Module], config: CourseConfig, reporter: Reporter) -> None:
    seen_modules: dict[str, Module] = {}
    for module in modules:
        if module.id in seen_modules:
            reporter.error(
                f"modules '{seen_modules[module.id].relpath}' and '{module.relpath}' "
                f"both have the id '{module.id}'",
                Location(config.source.path.parent / module.relpath) if config.source else None,
                "rename one folder or set a distinct 'id' in its module.yml",
            )
        seen_modules[module.id] = module
        seen_lessons: dict[str, Lesson] = {}
        for lesson in module.lessons:
            if lesson.id in seen_lessons:
                reporter.error(
                    f"lessons '{seen_lessons[lesson.id].relpath}' and '{lesson.relpath}' "
                    f"both have the id '{lesson.id}'",
                    Location(lesson.path, 1),
                    "rename one file or set a distinct 'id' in its front matter",
                )
            seen_lessons[lesson.id] = lesson


# Lessons read are kept as pickles (_LessonShelf), whose records come from these modules.
_pickled_through_constructors(assessment, errors, model, sys.modules[__name__])
