"""Heavy parts of Sabaq load only when a command needs them.

Importing the Moodle backup, the cartridges, the question bank, the formula converter,
the font subsetter, the installed packages' metadata or the process pool costs start-up
time in every build that uses none of them; the help text needs no renderer at all.
Each case runs in a fresh interpreter, as a user's command does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import ROOTS

OPTIONAL = (
    "builder.moodlebackup",
    "builder.questionbank",
    "builder.qti",
    "builder.formats.commoncartridge",
    "builder.standalone",
    "latex2mathml",
    "fontTools",
    "uharfbuzz",
    "importlib.metadata",  # only for other packages' formats
    "multiprocessing",  # only for work large enough to spread
)


def modules_loaded_by(code: str, tmp_path: Path) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"SABAQ_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"},
    )
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return set(loaded)


def test_a_scorm_build_loads_no_other_format_and_no_optional_part(tmp_path: Path) -> None:
    loaded = modules_loaded_by(
        "from pathlib import Path\n"
        "from builder.build import build\n"
        f"build([Path({str(ROOTS / 'minimal')!r})], Path({str(tmp_path / 'dist')!r}), "
        "['scorm12'])",
        tmp_path,
    )
    assert "builder.formats.scorm12" in loaded  # the build did run
    assert loaded.isdisjoint(OPTIONAL), sorted(loaded.intersection(OPTIONAL))


def test_the_help_text_loads_no_renderer(tmp_path: Path) -> None:
    loaded = modules_loaded_by(
        "from builder.cli import main\n"
        "try:\n"
        "    main(['build', '--help'])\n"
        "except SystemExit:\n"
        "    pass",
        tmp_path,
    )
    assert "builder.cli" in loaded
    heavy = {"builder.plan", "builder.render", "markdown_it", "jinja2", "lxml", "babel"}
    assert loaded.isdisjoint(heavy), sorted(loaded.intersection(heavy))
