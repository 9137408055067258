"""The offline website: the course as plain pages that open from disk.

For campuses without an LMS and for USB distribution: ``index.html`` is the course
overview, every link is relative, nothing is fetched, and the pages need no server
(``file://`` works). It is written both as a zip and as a folder beside it.
"""

from __future__ import annotations

from typing import ClassVar

from builder.formats.base import PackageFormat
from builder.render import PLAYER_PAGE, Site


class Website(PackageFormat):
    name: ClassVar[str] = "website"
    label: ClassVar[str] = "Offline website"
    has_manifest: ClassVar[bool] = False
    also_folder: ClassVar[bool] = True

    def package(self, site: Site) -> dict[str, bytes]:
        entries = dict(site.files)
        entries[PLAYER_PAGE] = site.render_home(PLAYER_PAGE)
        return entries
