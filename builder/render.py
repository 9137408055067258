"""Course → site: every page, asset and theme file a package holds, in memory.

Rendering happens once per language; each package format then adds only its
manifest and launch files (see :mod:`builder.formats`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_timedelta
from babel.lists import format_list as babel_format_list
from jinja2 import Template
from markupsafe import Markup, escape

from builder.assessment import AssessmentRef
from builder.assets import check_asset, localise_svg
from builder.errors import Reporter
from builder.fonts import font_search_path, package_fonts
from builder.grading import runtime_grading
from builder.locales import (
    LocaleInfo,
    UnsupportedLocaleError,
    format_duration,
    format_list,
    format_number,
    get_locale,
)
from builder.markdown import Localiser, code_stylesheet, render_lesson
from builder.model import CONTENT_DIR, Course, Lesson, Module, progress_keys
from builder.pagecache import LessonPage, PageCache, digest_of, site_key
from builder.parallel import map_in_processes
from builder.quizzes import TextRenderer, quiz_keys, runtime_quiz, seen_layout, views_for
from builder.theme import STATIC_DIR, environment, relative_url, static_files

FONTS_DIR = f"{STATIC_DIR}/fonts"
PLAYER_PAGE = "index.html"
"""The launch page: the player in LMS packages, the course overview on the offline website."""
HOME_PAGE = "home.html"
"""The course overview, in every package."""


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What every template needs to know about the page it renders."""

    path: str
    lang: str
    dir: str
    fonts: bool = False
    """The package carries fonts for the language (``_sabaq/fonts/fonts.css``)."""

    @property
    def digits(self) -> str:
        """The numbering system the runtime shows numbers in (scores, dates)."""
        return digit_system(self.lang)

    def static(self, name: str) -> str:
        return relative_url(f"{STATIC_DIR}/{name}", self.path)

    def href(self, target: str) -> str:
        return relative_url(target, self.path)


@dataclass(frozen=True, slots=True)
class Site:
    """Everything a package of one course in one language contains, before packaging."""

    course: Course
    lang: str
    dir: str
    files: dict[str, bytes]
    """Package path → bytes, for pages, assets and theme files."""
    lesson_assets: dict[str, tuple[str, ...]]
    """Lesson id → package paths of the assets its page uses."""
    ui_catalog: Path | None = None
    """The theme's catalog (``sabaq.po``) for ``lang``; None shows the theme in English."""
    reporter: Reporter = field(default_factory=Reporter, compare=False)
    """Where formats report what they cannot carry (a question type a standard lacks)."""
    languages: tuple[Site, ...] = ()
    """In a multilingual package: the site of each language, stored under ``<lang>/``."""

    @classmethod
    def multilingual(cls, sites: list[Site]) -> Site:
        """One site holding every language of ``sites``, the first (the source) leading.

        Each language keeps its own pages, fonts and theme files under ``<lang>/``;
        lesson and quiz ids are shared, so progress and answers carry over when the
        learner switches language.
        """
        first = sites[0]
        files = {f"{site.lang}/{name}": data for site in sites for name, data in site.files.items()}
        # The player at the root needs the theme's own files beside it.
        files.update(
            (name, data)
            for name, data in first.files.items()
            if name.startswith(f"{STATIC_DIR}/") and not name.startswith(f"{FONTS_DIR}/")
        )
        assets = {
            lesson_id: tuple(f"{first.lang}/{path}" for path in paths)
            for lesson_id, paths in first.lesson_assets.items()
        }
        return cls(
            course=first.course,
            lang=first.lang,
            dir=first.dir,
            files=files,
            lesson_assets=assets,
            ui_catalog=first.ui_catalog,
            reporter=first.reporter,
            languages=tuple(sites),
        )

    def page_info(self, path: str) -> PageInfo:
        return PageInfo(path, self.lang, self.dir, f"{FONTS_DIR}/fonts.css" in self.files)

    def render_home(self, path: str = HOME_PAGE) -> bytes:
        """The course overview page, placed at ``path`` in the package."""
        return render_home(self.course, self.page_info(path), self.ui_catalog)

    def render_player(self, api: str) -> bytes:
        """The SCO launch page that holds the LMS session while lessons change in its frame."""
        page = self.page_info(PLAYER_PAGE)
        keys = progress_keys([lesson.id for lesson in self.course.lessons])
        layout = seen_layout(self.course)
        prefix = f"{self.lang}/" if self.languages else ""

        def lessons(site: Site, prefix: str) -> list[dict[str, str]]:
            return [
                {
                    "id": lesson.id,
                    "key": keys[lesson.id],
                    "href": page.href(prefix + lesson.output_path),
                }
                | ({"module": layout.module_keys[lesson.id]} if layout.module_keys else {})
                for lesson in site.course.lessons
            ]

        runtime_data: dict[str, object] = {
            "id": self.course.config.id,
            "version": self.course.config.version,
            "linear": self.course.config.navigation == "linear",
            "grading": runtime_grading(self.course, quiz_keys(self.course)),
            "saved": layout.runtime(),
            "lessons": lessons(self, prefix),
        }
        if self.languages:
            runtime_data["languages"] = [
                {
                    "tag": site.lang,
                    "name": language_name(site.lang),
                    "dir": site.dir,
                    "lessons": lessons(site, f"{site.lang}/"),
                }
                for site in self.languages
            ]
        html = (
            environment(self.ui_catalog)
            .get_template("player.html.j2")
            .render(
                course=self.course.config,
                page=page,
                api=api,
                runtime_data=runtime_data,
                first_lesson_href=page.href(prefix + self.course.lessons[0].output_path),
            )
        )
        return html.encode("utf-8")


def render_site(
    course: Course,
    lang: str,
    reporter: Reporter,
    localiser: Localiser | None = None,
    ui_catalog: Path | None = None,
    graded_in_pages: bool = True,
    same_as: Site | None = None,
    jobs: int = 1,
    fonts: bool = True,
) -> Site:
    """Render every lesson; problems in any lesson are reported, then raised together.

    ``graded_in_pages=False`` is for packages whose LMS runs the graded quizzes itself
    (Common Cartridge): the pages then say where the quiz is instead of showing a second,
    unrecorded copy of it. ``same_as`` is the same course and language rendered with the
    other ``graded_in_pages``: a lesson without a graded quiz is the same page in both,
    so it is taken from there rather than rendered again. Pages kept by an earlier build
    (:mod:`builder.pagecache`) are used as they are; the rest are rendered over ``jobs``
    processes (:mod:`builder.parallel`). ``fonts=False`` leaves out the language's cut
    fonts, for packages that carry no theme (cutting them is most of a right-to-left
    build's time).
    """
    files: dict[str, bytes] = dict(static_files())
    lesson_assets: dict[str, tuple[str, ...]] = {}
    files[f"{STATIC_DIR}/code.css"] = code_stylesheet().encode("utf-8")
    maker = _LessonPageMaker(course, lang, localiser, ui_catalog, graded_in_pages)
    files[HOME_PAGE] = render_home(course, maker.page_info(HOME_PAGE), ui_catalog)

    @cache
    def asset_bytes(relpath: str) -> bytes:
        # Read once per site: kept pages are checked against the images they show,
        # and a drawing may be in many lessons.
        return (course.root / relpath).read_bytes()

    shared = {
        lesson.id
        for lesson in course.lessons
        if same_as is not None and not any(quiz.kind.graded for quiz in course.quizzes_of(lesson))
    }
    rendered = [each for each in course.lessons if each.id not in shared]
    pages = _lesson_pages(maker, rendered, jobs, asset_bytes)
    for lesson in course.lessons:
        if same_as is not None and lesson.id in shared:
            lesson_assets[lesson.id] = same_as.lesson_assets[lesson.id]
            for name in (lesson.output_path, *lesson_assets[lesson.id]):
                files[name] = same_as.files[name]
            continue
        page = pages[lesson.id]
        reporter.diagnostics += page.diagnostics
        lesson_assets[lesson.id] = tuple(f"{CONTENT_DIR}/{asset}" for asset in page.assets)
        for asset in page.assets:
            if f"{CONTENT_DIR}/{asset}" in files:
                continue  # shown by an earlier lesson too: checked and translated then
            data = asset_bytes(asset)
            check_asset(data, course.root / asset, asset, reporter)
            if localiser is not None and asset.lower().endswith(".svg"):
                data = localise_svg(data, localiser.messages)
            files[f"{CONTENT_DIR}/{asset}"] = data
        files[lesson.output_path] = page.html
    if maker.locale is not None and maker.wants_fonts and fonts:
        files.update(_fonts(course, maker.locale, files, reporter, jobs))
    reporter.raise_if_errors()
    return Site(
        course=course,
        lang=lang,
        dir=maker.direction,
        files=files,
        lesson_assets=lesson_assets,
        ui_catalog=ui_catalog,
        reporter=reporter,
    )


def _lesson_pages(
    maker: _LessonPageMaker,
    lessons: list[Lesson],
    jobs: int,
    asset_bytes: Callable[[str], bytes],
) -> dict[str, LessonPage]:
    """The page of each of ``lessons``: kept from an earlier build, or rendered now."""
    cache = maker.cache(asset_bytes)
    pages = {lesson.id: page for lesson in lessons if (page := cache.recall(lesson)) is not None}
    missing = [lesson for lesson in lessons if lesson.id not in pages]
    # Workers are given positions, not lessons: a lesson sent to another process would
    # arrive as a copy, and pages find the current lesson by identity.
    rendered = map_in_processes(
        lambda index: maker.render(missing[index]), range(len(missing)), jobs
    )
    for lesson, page in zip(missing, rendered, strict=True):
        cache.keep(lesson, page)
        pages[lesson.id] = page
    cache.store()
    return pages


class _LessonPageMaker:
    """Renders one lesson's page; all it needs is worked out once per site."""

    def __init__(
        self,
        course: Course,
        lang: str,
        localiser: Localiser | None,
        ui_catalog: Path | None,
        graded_in_pages: bool,
    ) -> None:
        self.course = course
        self.lang = lang
        self.direction = text_direction(lang)
        self.localiser = localiser
        self.ui_catalog = ui_catalog
        self.graded_in_pages = graded_in_pages
        self.locale = registry_locale(lang)
        self.wants_fonts = self.locale is not None and bool(self.locale.font_families)
        theme = environment(ui_catalog)
        self.template = theme.get_template("lesson.html.j2")
        # The runtime's words are the same on every page with a quiz: translated once
        # (seventeen of them, a fifth of a second over a thousand pages). The page's
        # template ends their line itself.
        strings = theme.get_template("strings.html.j2").render()
        self.runtime_strings = Markup(strings.rstrip("\n"))
        self.quiz_template = theme.get_template("quiz.html.j2")
        self.outline_template = theme.get_template("outline.html.j2")
        self._unmarked_outlines: dict[tuple[str, str | None], str] = {}
        self.keys = quiz_keys(course)
        self.mastery = course.config.mastery_score
        # Pages with graded quizzes apply the course's grading themselves when no player
        # is around (offline website); in a player they show what the player decided.
        self.grading = runtime_grading(course, self.keys)
        self.describe_duration = duration_formatter(lang)
        self.num = number_formatter(lang)

    def page_info(self, path: str) -> PageInfo:
        return PageInfo(path, self.lang, self.direction, self.wants_fonts)

    def cache(self, asset_bytes: Callable[[str], bytes]) -> PageCache:
        translations = self.localiser.messages if self.localiser is not None else None
        key = site_key(
            self.course,
            self.lang,
            self.graded_in_pages,
            self.wants_fonts,
            digest_of(translations, self.ui_catalog),
            json.dumps(self.keys, sort_keys=True),
            json.dumps(self.grading, sort_keys=True),
        )
        compact = len(self.course.lessons) > OUTLINE_ALL_LESSONS
        shelf = f"{self.lang}/{self.graded_in_pages}"
        return PageCache(self.course, key, shelf, asset_bytes, compact=compact)

    def render(self, lesson: Lesson) -> LessonPage:
        reporter = Reporter()
        rendered = render_lesson(self.course, lesson, reporter, self.localiser, self.assessment)
        page = self.page_info(lesson.output_path)
        module = self.course.module_of(lesson)
        previous, following = self.course.neighbours(lesson)
        graded_in_pages = self.graded_in_pages
        html = self.template.render(
            course=self.course.config,
            module=module,
            lesson=lesson,
            page=page,
            content=Markup(rendered.html),  # produced by markdown-it with raw HTML off
            duration=self.describe_duration(lesson.duration_minutes),
            outline=self.outline(lesson, page),
            previous=_link(previous, page),
            next=_link(following, page),
            home_href=page.href(HOME_PAGE),
            further_reading=module.links if lesson is module.lessons[-1] else (),
            # Where the LMS marks the graded quizzes, their answer key stays out of the page.
            quiz_data=[
                runtime_quiz(quiz, self.keys[quiz.id], self.mastery)
                for quiz in rendered.quizzes
                if graded_in_pages or not quiz.kind.graded
            ],
            grading=self.grading
            if graded_in_pages and any(q.kind.graded for q in rendered.quizzes)
            else None,
            runtime_strings=self.runtime_strings,
        )
        return LessonPage(
            html.encode("utf-8"), tuple(sorted(rendered.assets)), tuple(reporter.diagnostics)
        )

    def outline(self, lesson: Lesson, page: PageInfo) -> Markup:
        """The outline of ``lesson``'s page, with the lesson marked as the current page.

        The pages of one module share their folder, so their links are the same, and
        list the same lessons: the outline is rendered once per module and only the mark
        differs (rendering it for each page was a tenth of a large course's build).
        """
        compact = len(self.course.lessons) > OUTLINE_ALL_LESSONS
        own_module = self.course.module_of(lesson).id if compact else None
        key = (page.path.rpartition("/")[0], own_module)
        unmarked = self._unmarked_outlines.get(key)
        if unmarked is None:
            # Kept as text: Markup would escape the mark put into it.
            unmarked = str(
                _outline_html(
                    self.outline_template, _outline(self.course, lesson, page, marked=False)
                )
            )
            self._unmarked_outlines[key] = unmarked
        # The page's own lesson is listed once, as its module's other pages list it.
        link = f' data-lesson="{escape(lesson.id)}">'
        return Markup(unmarked.replace(link, link[:-1] + ' aria-current="page">', 1))

    def assessment(self, ref: AssessmentRef, text: TextRenderer) -> str:
        quiz = ref.quiz
        localiser = self.localiser
        return self.quiz_template.render(
            course=self.course.config,
            quiz=quiz,
            question=ref.question,
            key=self.keys[quiz.id]
            + (f"-{quiz.questions.index(ref.question) + 1}" if ref.question else ""),
            views=views_for(ref, text),
            intro=text(quiz.intro, False) if quiz.intro else None,
            title=localiser.messages.get(quiz.title, quiz.title) if localiser else quiz.title,
            pass_mark=quiz.pass_mark if quiz.pass_mark is not None else self.mastery,
            num=self.num,
            elsewhere=quiz.kind.graded and not self.graded_in_pages,
        )


def _fonts(
    course: Course, locale: LocaleInfo, files: dict[str, bytes], reporter: Reporter, jobs: int
) -> dict[str, bytes]:
    """The script's fonts, cut down to the characters the pages use; none is fetched."""
    pages = (data.decode("utf-8") for name, data in sorted(files.items()) if name.endswith(".html"))
    search_path = font_search_path(course.root / "fonts")
    bundle = package_fonts(locale, pages, search_path, reporter, jobs=jobs)
    found = {f"{FONTS_DIR}/{name}": data for name, data in bundle.files.items()}
    found[f"{FONTS_DIR}/fonts.css"] = bundle.css.encode("utf-8")
    return found


def render_home(course: Course, page: PageInfo, ui_catalog: Path | None = None) -> bytes:
    describe_duration = duration_formatter(page.lang)
    modules = [
        _HomeModule(
            anchor=f"sabaq-module-{module.id}",
            title=module.title,
            description=module.description,
            lessons=tuple(
                _HomeLesson(
                    lesson.id,
                    lesson.title,
                    page.href(lesson.output_path),
                    describe_duration(lesson.duration_minutes),
                )
                for lesson in module.lessons
            ),
        )
        for module in course.modules
    ]
    theme = environment(ui_catalog)
    html = theme.get_template("home.html.j2").render(
        course=course.config,
        page=page,
        outline=_outline_html(theme.get_template("outline.html.j2"), _outline(course, None, page)),
        modules=modules,
        duration=describe_duration(course.config.duration_minutes),
        authors=list_formatter(page.lang)(course.config.authors),
        start_href=page.href(course.lessons[0].output_path),
    )
    return html.encode("utf-8")


@dataclass(frozen=True, slots=True)
class _HomeLesson:
    id: str
    title: str
    href: str
    duration: str


@dataclass(frozen=True, slots=True)
class _HomeModule:
    anchor: str
    title: str
    description: str
    lessons: tuple[_HomeLesson, ...]


def registry_locale(lang: str) -> LocaleInfo | None:
    try:
        return get_locale(lang)
    except UnsupportedLocaleError:
        return None


def language_name(lang: str) -> str:
    """The language's own name for itself (اردو, پښتو), for a language switcher."""
    info = registry_locale(lang)
    if info is not None:
        return info.native_name
    try:
        return str(Locale.parse(lang.replace("-", "_")).get_display_name() or lang)
    except (UnknownLocaleError, ValueError):
        return lang


def text_direction(lang: str) -> str:
    """``rtl`` or ``ltr``: from Sabaq's locale registry, else from CLDR."""
    info = registry_locale(lang)
    if info is not None:
        return info.direction
    try:
        return str(Locale.parse(lang.replace("-", "_")).text_direction)
    except (UnknownLocaleError, ValueError):
        return "ltr"


def duration_formatter(lang: str) -> Callable[[int | None], str]:
    """Minutes in words for ``lang``, never CLDR's root fallbacks such as "45 min"."""
    info = registry_locale(lang)
    try:
        babel_locale = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        babel_locale = Locale("en")

    @cache  # a course has a few distinct durations, and many lessons
    def describe(minutes: int | None) -> str:
        if not minutes:
            return ""
        if info is not None:
            return format_duration(minutes, info)
        return str(format_timedelta(timedelta(minutes=minutes), threshold=2, locale=babel_locale))

    return describe


def list_formatter(lang: str) -> Callable[[Sequence[str]], str]:
    """Items joined as ``lang`` writes a list ("الف، ب اور ج"), never with Latin commas in RTL."""
    info = registry_locale(lang)

    def join(items: Sequence[str]) -> str:
        if info is not None:
            return format_list(items, info)
        try:
            return str(babel_format_list(list(items), locale=lang.replace("-", "_")))
        except (UnknownLocaleError, ValueError):
            return ", ".join(items)

    return join


def digit_system(lang: str) -> str:
    """The CLDR numbering system ``lang``'s numbers are shown in (``latn``, ``arabext``, ``arab``)."""
    info = registry_locale(lang)
    return info.digits.value if info is not None else "latn"


def number_formatter(lang: str) -> Callable[[float], str]:
    """Numbers as ``lang`` writes them (its digits and separators)."""
    info = registry_locale(lang)

    def describe(value: float) -> str:
        shown = int(value) if float(value).is_integer() else round(value, 2)
        return format_number(shown, info) if info is not None else str(shown)

    return describe


@dataclass(frozen=True, slots=True)
class _OutlineLesson:
    id: str
    title: str
    href: str
    current: bool


@dataclass(frozen=True, slots=True)
class _OutlineModule:
    title: str
    lessons: tuple[_OutlineLesson, ...]
    first: _OutlineLesson | None = None
    """The module's first lesson, which its title links to when its lessons are not listed."""


OUTLINE_ALL_LESSONS = 60
"""Up to this many lessons, every page's outline lists them all.

Beyond, a lesson page lists every module but only its own module's lessons (the home
page still lists every lesson): a list of hundreds of lessons helps no learner, and
repeated in every page it made nine tenths of a large course's bytes and a quarter of
its build time.
"""


def _outline_html(template: Template, outline: tuple[_OutlineModule, ...]) -> Markup:
    """``outline`` as the pages show it (``outline.html.j2``), ending as an include would:
    the line after it in the page gives its last newline."""
    return Markup(template.render(outline=outline).removesuffix("\n"))


def _outline(
    course: Course, current: Lesson | None, page: PageInfo, *, marked: bool = True
) -> tuple[_OutlineModule, ...]:
    """The outline ``page`` shows, around ``current`` (marked, unless not ``marked``)."""
    compact = current is not None and len(course.lessons) > OUTLINE_ALL_LESSONS

    def entry(lesson: Lesson) -> _OutlineLesson:
        return _OutlineLesson(
            lesson.id, lesson.title, page.href(lesson.output_path), marked and lesson is current
        )

    own_module = course.module_of(current) if compact and current is not None else None

    def listed(module: Module) -> bool:
        return not compact or module is own_module

    return tuple(
        _OutlineModule(
            title=module.title,
            lessons=tuple(entry(each) for each in module.lessons) if listed(module) else (),
            first=entry(module.lessons[0]) if compact and module.lessons else None,
        )
        for module in course.modules
    )


@dataclass(frozen=True, slots=True)
class _Link:
    title: str
    href: str


def _link(lesson: Lesson | None, page: PageInfo) -> _Link | None:
    return None if lesson is None else _Link(lesson.title, page.href(lesson.output_path))
