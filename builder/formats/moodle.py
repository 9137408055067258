"""A Moodle course backup (``.mbz``): the course as Moodle's own pages and quizzes.

An admin restores it (Course administration → Restore, or a new course from the
backup), and Moodle itself runs and marks the quizzes. See :mod:`builder.moodlebackup`.
"""

from __future__ import annotations

from typing import ClassVar

from builder.formats.base import PackageFormat
from builder.moodlebackup import backup_name, course_backup
from builder.render import Site


class MoodleCourse(PackageFormat):
    name: ClassVar[str] = "moodle"
    label: ClassVar[str] = "Moodle course backup (moodle2)"
    suffix: ClassVar[str] = ".mbz"
    graded_in_pages: ClassVar[bool] = False
    carries_theme: ClassVar[bool] = False
    has_manifest: ClassVar[bool] = False

    def package(self, site: Site) -> dict[str, bytes]:
        return course_backup(site, backup_name(site, self.suffix))
