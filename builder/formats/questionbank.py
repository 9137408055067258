"""Questions for Moodle's question bank: every quiz as Moodle XML and as GIFT.

Not a package an LMS imports whole: an admin unpacks it (it is also written as a
folder) and imports one of the files into a course's question bank, so that Moodle
marks the questions on its server. See :mod:`builder.questionbank`.
"""

from __future__ import annotations

from typing import ClassVar

from builder.formats.base import NothingToPackage, PackageFormat
from builder.model import Course
from builder.questionbank import has_questions, question_bank_entries
from builder.render import Site


class QuestionBank(PackageFormat):
    name: ClassVar[str] = "questionbank"
    label: ClassVar[str] = "Moodle question bank (Moodle XML and GIFT)"
    has_manifest: ClassVar[bool] = False
    also_folder: ClassVar[bool] = True

    def nothing_to_package(self, course: Course) -> NothingToPackage | None:
        # Moodle's XML importer crashes on a file without questions instead of importing none.
        if has_questions(course):
            return None
        return NothingToPackage(
            "the course has no quizzes, so there are no questions to export",
            "write questions in the lessons (see docs/quizzes.md)",
        )

    def package(self, site: Site) -> dict[str, bytes]:
        return question_bank_entries(site.course, site.reporter)
