"""Where fonts are looked for: a course's own folder, then the system's.

Apart from :mod:`builder.fonts` because a build's fingerprint (:mod:`builder.buildcache`)
names these folders, and deciding that nothing changed must not wait for font and
locale data to load.
"""

from __future__ import annotations

import os
from pathlib import Path


def system_font_dirs() -> tuple[Path, ...]:
    """Where Linux (Debian's fonts-noto-core: /usr/share/fonts/truetype/noto/), macOS
    and Windows keep fonts; folders that do not exist are skipped when searching."""
    home = Path.home()
    dirs = [
        home / ".local" / "share" / "fonts",
        home / ".fonts",
        Path("/usr/local/share/fonts"),
        Path("/usr/share/fonts"),
        home / "Library" / "Fonts",
        Path("/Library/Fonts"),
        Path("/System/Library/Fonts"),
    ]
    if windir := os.environ.get("WINDIR"):
        dirs.append(Path(windir) / "Fonts")
    return tuple(dirs)


def font_search_path(course_fonts: Path | None = None) -> tuple[Path, ...]:
    """A course's own font folder first, then the system's."""
    return ((course_fonts,) if course_fonts else ()) + system_font_dirs()
