"""`sabaq preview`: the course as a learner sees it in an LMS, rebuilt on every save.

A local web server shows the course's SCORM 1.2 package inside a preview page that
plays the LMS: it implements the SCORM 1.2 API for the author (the tests use a real
LMS runtime, scorm-again) and shows what the course records — bookmark, status,
score, saved answers, interactions — as it happens. The sources are watched; when
one changes the package is rebuilt and the page reloads the course, keeping the
tracking data, so resuming is previewed too. A mistake in the sources shows in the
page with its file and line, and the last good build stays on screen.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

from builder.archive import Folder, write_folder
from builder.buildcache import Recollection, recollected
from builder.errors import CourseError, Reporter
from builder.i18n import require_language_tags
from builder.plan import plan_packages

PREVIEW_PAGE = "preview.html"
STATUS_PATH = "/__sabaq/status"
PACKAGE_PREFIX = "/pkg/"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


@dataclass
class PreviewState:
    """The latest build, shared between the watcher and the web server."""

    course_dir: Path
    lang: str | None
    locales_dir: Path | None
    root: Path
    version: int = 0
    errors: list[str] = field(default_factory=list)
    package_dir_name: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    recollection: Recollection = field(default_factory=Recollection)
    """The last build's lessons, pages and checks: a save rebuilds what it changed."""
    last_written: Folder | None = None

    def __post_init__(self) -> None:
        # The language names the catalogs read; "../../x" must not reach outside locales/.
        require_language_tags([self.lang] if self.lang is not None else [])

    def rebuild(self) -> None:
        """Build the SCORM 1.2 package into a fresh folder and switch to it when it works."""
        reporter = Reporter()
        try:
            languages = [self.lang] if self.lang else None
            with recollected(self.recollection):
                planned = plan_packages(
                    [self.course_dir],
                    ["scorm12"],
                    reporter,
                    lambda _: None,
                    languages,
                    self.locales_dir,
                    # An author previews a translation while it is being written.
                    partial_translations=True,
                )
        except CourseError as error:
            with self.lock:
                self.errors = [d.format() for d in error.diagnostics]
                self.version += 1
            return
        target = self.root / f"build-{self.version + 1}"
        self.last_written = write_folder(planned[0].entries, target, self.last_written)
        with self.lock:
            previous = self.package_dir
            self.package_dir_name = target.name
            self.errors = [d.format() for d in reporter.warnings]
            self.version += 1
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)

    def fail(self, message: str) -> None:
        """Show ``message`` in the page; the last good build stays on screen."""
        with self.lock:
            self.errors = [message]
            self.version += 1

    @property
    def package_dir(self) -> Path | None:
        return self.root / self.package_dir_name if self.package_dir_name else None

    def status(self) -> dict[str, Any]:
        with self.lock:
            return {
                "version": self.version,
                "errors": list(self.errors),
                "ready": self.package_dir_name is not None,
            }


def source_snapshot(folders: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Every file's path, size and modification time: a change to any means a rebuild."""
    entries: list[tuple[str, int, int]] = []
    for folder in folders:
        if folder.is_dir():
            _note_files(str(folder), entries)
    return tuple(sorted(entries))


def _note_files(folder: str, entries: list[tuple[str, int, int]]) -> None:
    # os.scandir rather than Path.rglob: the watcher looks every half second, and a
    # large course's two thousand files took rglob a tenth of a core.
    with os.scandir(folder) as found:
        for entry in found:
            if entry.is_dir(follow_symlinks=False):  # as rglob: no loops through links
                _note_files(entry.path, entries)
            elif entry.is_file() and not entry.name.startswith("."):
                stat = entry.stat()
                entries.append((entry.path, stat.st_size, stat.st_mtime_ns))


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, state: PreviewState, **kwargs: Any) -> None:
        self.state = state
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the author's terminal shows rebuilds, not every request

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        if not self._host_is_local():
            # DNS rebinding: a web page the author visits could point its own host name
            # at 127.0.0.1 and read the course; only local names reach the preview.
            self.send_error(421, "the preview answers only to 127.0.0.1 and localhost")
            return
        path = self.path.split("?", 1)[0]
        if path in ("/", f"/{PREVIEW_PAGE}"):
            self._send(
                resources.files("builder").joinpath("themes/default/preview.html").read_bytes(),
                "text/html; charset=utf-8",
            )
        elif path == STATUS_PATH:
            self._send(json.dumps(self.state.status()).encode(), "application/json")
        elif path.startswith(PACKAGE_PREFIX) and self.state.package_dir is not None:
            self.directory = str(self.state.package_dir)
            self.path = "/" + self.path[len(PACKAGE_PREFIX) :]
            super().do_GET()
        else:
            self.send_error(404)

    def _host_is_local(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in LOCAL_HOSTS

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class PreviewServer:
    """The preview's web server and source watcher, on 127.0.0.1 only."""

    course_dir: Path
    port: int = 8000
    lang: str | None = None
    locales_dir: Path | None = None
    interval: float = 0.5
    on_rebuild: Callable[[PreviewState], None] = lambda state: None

    def __post_init__(self) -> None:
        require_language_tags([self.lang] if self.lang is not None else [])  # before mkdtemp
        self._temp = tempfile.mkdtemp(prefix="sabaq-preview-")
        self.state = PreviewState(self.course_dir, self.lang, self.locales_dir, Path(self._temp))
        handler = partial(_Handler, state=self.state)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._seen: tuple[tuple[str, int, int], ...] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def start(self) -> None:
        # The sources are noted before the first build, so a save made while it runs
        # (or before the watcher's first look) still triggers a rebuild.
        self._seen = self._snapshot(self._folders())
        self._rebuild()
        for target in (self.httpd.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _folders(self) -> list[Path]:
        return [self.course_dir] + ([self.locales_dir] if self.locales_dir else [])

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            now = self._snapshot(self._folders())
            if now is not None and now != self._seen:
                self._seen = now
                self._rebuild()

    def _snapshot(self, folders: list[Path]) -> tuple[tuple[str, int, int], ...] | None:
        try:
            return source_snapshot(folders)
        except OSError:
            return None  # a file vanished while it was listed (an editor saving): look again

    def _rebuild(self) -> None:
        """Rebuild; nothing a save can do may stop the watcher (it would die silently)."""
        try:
            self.state.rebuild()
        except Exception as error:
            self.state.fail(f"error: the preview could not rebuild: {error}")
        self.on_rebuild(self.state)

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self._temp, ignore_errors=True)

    def serve_until_interrupted(self) -> None:
        # A terminal's Ctrl+C, or a service manager's SIGTERM/SIGHUP: stop the same way,
        # so the temporary build folder never outlives the preview.
        def interrupt(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, interrupt)
        try:
            self.start()
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
