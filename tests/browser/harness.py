"""Browser-test harness: a local test LMS around scorm-again, driven by Playwright.

The pieces, from the bottom up:

* :func:`serve` runs any request handler on ``http://127.0.0.1:<free port>``
  from a background thread; :func:`serve_directory` serves a folder that way.
* :func:`assemble_site` lays out what that server serves: the test LMS pages
  (``lms/scorm12.html``, ``lms/scorm2004.html``), scorm-again's SCORM 1.2 and
  2004 bundles copied from ``node_modules`` and an extracted package under ``pkg/``.
* :func:`launch_chromium` starts Debian's ``/usr/bin/chromium`` through
  Playwright (``playwright install`` is never needed).
* :class:`PageMonitor` records every request a page's browser context makes
  (aborting those that would leave the machine) and its uncaught errors.
* :class:`Lms12` and :class:`Lms2004` (both :class:`ScormLms`) wrap a
  Playwright :class:`~playwright.sync_api.Page` showing the test LMS: open a
  package, reload the LMS page (a new session resuming the attempt, as in
  Moodle), read CMI values as the LMS sees them, the state saved at the last
  commit, the log of the SCO's API calls and every network request.

The LMS pages keep the learner's attempt in the browser's ``localStorage``
under a key of their own, so a reload resumes it; each browser context starts
with an empty storage. (cmi5 has no API object: its LMS is the LRS stub in
``tests/browser/lrs.py``.)
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import shutil
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import quote, urlencode, urlsplit
from xml.etree import ElementTree

from playwright.sync_api import (
    Browser,
    Frame,
    Page,
    Playwright,
    Request,
    Route,
    WebSocket,
    expect,
)

__all__ = [
    "CHROMIUM_ARGS",
    "CHROMIUM_PATH",
    "LMS_DIR",
    "REPO_ROOT",
    "SCORM_AGAIN_BUNDLES",
    "SCORM_AGAIN_VERSION",
    "ApiCall",
    "HarnessError",
    "Lms12",
    "Lms2004",
    "NetworkRequest",
    "PageMonitor",
    "QuietHandler",
    "ScormLms",
    "assemble_site",
    "find_launch_href",
    "install_package",
    "is_local_url",
    "launch_chromium",
    "node_modules_dir",
    "scorm_again_dist",
    "serve",
    "serve_directory",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The repository root (``tests/browser/harness.py`` -> two levels up)."""

LMS_DIR = Path(__file__).resolve().parent / "lms"
"""Folder holding the test LMS pages."""

CHROMIUM_PATH = Path("/usr/bin/chromium")
"""Debian's Chromium, the only browser the harness uses."""

CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)
"""Command-line flags Chromium is always started with."""

SCORM_AGAIN_VERSION = "3.4.3"
"""The scorm-again version package.json pins (checked when the bundle is copied)."""

SCORM_AGAIN_BUNDLES: tuple[str, ...] = ("scorm12.js", "scorm2004.js")
"""scorm-again's bundles the LMS pages load (``Scorm12API``, ``Scorm2004API``)."""

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# What the browser must not fetch, as a regular expression: Playwright matches
# it in its driver, so local requests are never held up waiting for Python
# (a test thread may block on a server event while the page runs). The route
# handler checks each match again with is_local_url().
_MAYBE_EXTERNAL_URL = re.compile(
    r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:[/?#]|$))"
    r"(?!(?:data|blob|about|javascript):)",
    re.IGNORECASE,
)
_DEFAULT_TIMEOUT_MS = 10_000.0
_MIME_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".xml": "application/xml",
    ".xsd": "application/xml",
}


class HarnessError(RuntimeError):
    """The harness cannot run: a missing dependency or a broken package."""


# --------------------------------------------------------------------------
# Serving a directory
# --------------------------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, no access log, nothing cached by the browser.

    Pass the folder to serve as the ``directory`` keyword argument (see
    :func:`serve_directory`); subclasses may answer other requests themselves.
    """

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        known = _MIME_TYPES.get(os.path.splitext(os.fspath(path))[1].lower())
        return known or super().guess_type(path)

    def end_headers(self) -> None:
        # Each test may serve a different package under the same paths.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser closing a connection mid-response is not worth a traceback.
        return


@contextlib.contextmanager
def serve(
    handler: Callable[..., http.server.BaseHTTPRequestHandler],
    host: str = "127.0.0.1",
    *,
    name: str = "test server",
) -> Iterator[str]:
    """Run ``handler`` (a request handler class or factory) on a free port of ``host``.

    Requests are answered from background threads. Yields the base URL without
    a trailing slash, e.g. ``http://127.0.0.1:41234``. The server is shut down
    and its socket closed when the block exits.
    """
    server = _QuietServer((host, 0), handler)
    port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"{name} on {host}:{port}",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def serve_directory(root: Path | str, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``root`` over HTTP on a free port of ``host`` from a background thread.

    Yields the base URL without a trailing slash, e.g. ``http://127.0.0.1:41234``.
    The server is shut down and its socket closed when the block exits.
    """
    directory = Path(root).resolve()
    if not directory.is_dir():
        raise HarnessError(f"cannot serve {directory}: not a directory")
    with serve(
        partial(QuietHandler, directory=str(directory)), host, name=f"serve {directory}"
    ) as base:
        yield base


# --------------------------------------------------------------------------
# Assembling the served site
# --------------------------------------------------------------------------


def node_modules_dir(start: Path | None = None) -> Path:
    """The ``node_modules`` folder beside the ``package.json`` of the repository.

    Looks in ``start`` (default: the repository root) and its parents.
    Raises :class:`HarnessError` telling to run ``npm ci`` if there is none.
    """
    first = (start or REPO_ROOT).resolve()
    for folder in (first, *first.parents):
        candidate = folder / "node_modules"
        if candidate.is_dir():
            return candidate
        if (folder / "package.json").is_file():
            break
    raise HarnessError(
        f"node_modules not found in {first} (or above): "
        f"run `npm ci` in {REPO_ROOT} to install scorm-again for the browser tests"
    )


def scorm_again_dist(start: Path | None = None) -> Path:
    """``node_modules/scorm-again/dist``, checked to hold the SCORM 1.2 and 2004 bundles."""
    package_dir = node_modules_dir(start) / "scorm-again"
    dist = package_dir / "dist"
    for bundle in SCORM_AGAIN_BUNDLES:
        if not (dist / bundle).is_file():
            raise HarnessError(
                f"{dist / bundle} is missing: "
                f"run `npm ci` in {REPO_ROOT} to install scorm-again for the browser tests"
            )
    try:
        version = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise HarnessError(f"cannot read scorm-again's version in {package_dir}: {exc}") from exc
    if version != SCORM_AGAIN_VERSION:
        raise HarnessError(
            f"scorm-again {version} is installed but package.json pins {SCORM_AGAIN_VERSION}: "
            f"run `npm ci` in {REPO_ROOT}"
        )
    return dist


def _safe_member_path(name: str) -> PurePosixPath | None:
    """The relative path of a zip member, or None for a directory entry.

    Raises for absolute paths and ``..`` parts (zip-slip).
    """
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise HarnessError(f"unsafe path in package zip: {name!r}")
    if name.endswith("/") or not path.parts:
        return None
    return path


def install_package(site: Path, package: Path | str) -> Path:
    """Put a package (a ``.zip`` or a folder) under ``site/pkg/``, replacing any.

    Returns the ``pkg`` folder.
    """
    source = Path(package)
    target = site / "pkg"
    if target.exists():
        shutil.rmtree(target)
    if source.is_dir():
        shutil.copytree(source, target)
    elif source.is_file() and zipfile.is_zipfile(source):
        target.mkdir(parents=True)
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                member = _safe_member_path(info.filename)
                if member is None:
                    continue
                destination = target.joinpath(*member.parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, destination.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    else:
        raise HarnessError(f"not a package zip or folder: {source}")
    return target


def assemble_site(dest: Path, package: Path | str | None = None) -> Path:
    """Lay out a site to serve in ``dest`` and return ``dest``.

    * ``lms/`` -- the test LMS pages (``lms/scorm12.html``, ``lms/scorm2004.html``),
    * ``lms/scorm-again/`` -- scorm-again's bundles copied from ``node_modules``,
    * ``pkg/`` -- the package, if given (see :func:`install_package`).
    """
    dist = scorm_again_dist()
    dest.mkdir(parents=True, exist_ok=True)
    lms = dest / "lms"
    if lms.exists():
        shutil.rmtree(lms)
    shutil.copytree(LMS_DIR, lms)
    bundle = lms / "scorm-again"
    bundle.mkdir()
    for name in SCORM_AGAIN_BUNDLES:
        for file_name in (name, f"{name}.map"):
            if (dist / file_name).is_file():
                shutil.copy2(dist / file_name, bundle / file_name)
    if package is not None:
        install_package(dest, package)
    return dest


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: ElementTree.Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (adlcp:scormtype...)."""
    for key, value in element.attrib.items():
        if _local_name(key).lower() == name.lower():
            return value
    return None


def find_launch_href(pkg_dir: Path) -> str:
    """The launch URL of the first SCO, relative to ``pkg_dir``, as an LMS finds it.

    Reads ``imsmanifest.xml``: the first item of the default organization that
    references a resource (with its ``parameters``), else the first resource
    whose ``scormtype`` is ``sco``. Without a manifest: ``index.html``.
    """
    manifest = pkg_dir / "imsmanifest.xml"
    if not manifest.is_file():
        if (pkg_dir / "index.html").is_file():
            return "index.html"
        raise HarnessError(f"{pkg_dir} has neither imsmanifest.xml nor index.html")
    try:
        root = ElementTree.parse(manifest).getroot()
    except ElementTree.ParseError as exc:
        raise HarnessError(f"{manifest} is not well-formed XML: {exc}") from exc

    resources: dict[str, ElementTree.Element] = {}
    for element in root.iter():
        if _local_name(element.tag) == "resource":
            identifier = element.get("identifier")
            if identifier:
                resources[identifier] = element

    organizations = [e for e in root.iter() if _local_name(e.tag) == "organizations"]
    orgs = [e for o in organizations for e in o if _local_name(e.tag) == "organization"]
    default_id = organizations[0].get("default") if organizations else None
    orgs.sort(key=lambda o: o.get("identifier") != default_id)
    for org in orgs:
        for item in org.iter():
            if _local_name(item.tag) != "item":
                continue
            ref = item.get("identifierref")
            resource = resources.get(ref) if ref else None
            href = resource.get("href") if resource is not None else None
            if href:
                parameters = item.get("parameters") or ""
                if parameters and not parameters.startswith(("?", "#")):
                    parameters = ("&" if "?" in href else "?") + parameters
                return href + parameters

    for resource in resources.values():
        href = resource.get("href")
        if href and (_attr(resource, "scormtype") or "").lower() == "sco":
            return href
    raise HarnessError(f"{manifest} names no launchable SCO")


# --------------------------------------------------------------------------
# Chromium
# --------------------------------------------------------------------------


def launch_chromium(playwright: Playwright, **launch_options: Any) -> Browser:
    """Launch ``/usr/bin/chromium`` headless through Playwright.

    Extra keyword arguments go to ``BrowserType.launch`` (e.g. ``slow_mo``).
    Raises :class:`HarnessError` -- never skips -- when Chromium is missing.
    """
    if not CHROMIUM_PATH.is_file() or not os.access(CHROMIUM_PATH, os.X_OK):
        raise HarnessError(
            f"{CHROMIUM_PATH} not found: the browser tests need Debian's Chromium "
            "(apt-get install chromium); `playwright install` is not used"
        )
    args = [*CHROMIUM_ARGS, *launch_options.pop("args", ())]
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM_PATH),
        args=args,
        headless=True,
        **launch_options,
    )


# --------------------------------------------------------------------------
# The test LMS
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiCall:
    """One SCORM API call the SCO made, as the LMS page logged it."""

    method: str
    """``LMSInitialize``, ``LMSSetValue``... (SCORM 2004: ``Initialize``, ``SetValue``...)"""
    element: str | None
    """The CMI element for (LMS)GetValue/(LMS)SetValue, else None."""
    value: str | None
    """The value for (LMS)SetValue; the argument of the other calls; None for (LMS)GetValue."""
    result: str
    """What the API returned to the SCO."""
    error: str
    """The API's ``lastErrorCode`` right after the call (``"0"``: no error)."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiCall:
        def text(name: str) -> str | None:
            value = data.get(name)
            return None if value is None else str(value)

        return cls(
            method=str(data["method"]),
            element=text("element"),
            value=text("value"),
            result=str(data.get("result", "")),
            error=str(data.get("error", "0")),
        )


@dataclass(frozen=True)
class NetworkRequest:
    """A request the browser made while the monitored page was open."""

    url: str
    method: str
    resource_type: str
    frame_url: str | None

    @property
    def is_local(self) -> bool:
        """True when the request stays on this machine (see :func:`is_local_url`)."""
        return is_local_url(self.url)


def is_local_url(url: str) -> bool:
    """True for loopback http(s)/ws(s) URLs and for URLs that need no network.

    ``data:``, ``blob:``, ``about:`` and ``javascript:`` URLs count as local;
    every other scheme or host does not.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("data", "blob", "about", "javascript"):
        return True
    if scheme in ("http", "https", "ws", "wss"):
        return (parts.hostname or "") in _LOCAL_HOSTS
    return False


class PageMonitor:
    """Records what a Playwright page does on the network and the errors it throws.

    Every request of the page's browser context goes to :attr:`requests`, every
    WebSocket the page opens to :attr:`websockets` and every uncaught exception
    (in the page or any of its frames) to :attr:`page_errors`. With
    ``block_external`` (the default) requests leaving 127.0.0.1 are also
    aborted, so a test fails fast instead of hanging.
    """

    def __init__(self, page: Page, *, block_external: bool = True) -> None:
        self.page = page
        self.requests: list[NetworkRequest] = []
        """Every request made in the page's browser context, in order."""
        self.websockets: list[str] = []
        """URLs of WebSockets opened by the page."""
        self.page_errors: list[str] = []
        """Uncaught exceptions in the page or its frames."""
        page.context.on("request", self._on_request)
        page.on("websocket", self._on_websocket)
        page.on("pageerror", self._on_page_error)
        if block_external:
            page.context.route(_MAYBE_EXTERNAL_URL, self._abort_route)

    def _on_request(self, request: Request) -> None:
        frame_url: str | None
        try:
            frame_url = request.frame.url
        except Exception:  # service workers' requests have no frame
            frame_url = None
        self.requests.append(
            NetworkRequest(
                url=request.url,
                method=request.method,
                resource_type=request.resource_type,
                frame_url=frame_url,
            )
        )

    def _on_websocket(self, websocket: WebSocket) -> None:
        self.websockets.append(websocket.url)

    def _on_page_error(self, error: Exception) -> None:
        self.page_errors.append(str(error))

    @staticmethod
    def _abort_route(route: Route) -> None:
        if is_local_url(route.request.url):
            route.fallback()
        else:
            route.abort("blockedbyclient")

    def external_requests(self) -> list[NetworkRequest]:
        """Recorded requests (and WebSockets) that would leave this machine."""
        external = [r for r in self.requests if not r.is_local]
        external += [
            NetworkRequest(url=u, method="GET", resource_type="websocket", frame_url=None)
            for u in self.websockets
            if not is_local_url(u)
        ]
        return external


class ScormLms:
    """A Playwright page showing one of the test SCORM LMS pages around scorm-again.

    ``open()`` serves the package with the LMS page and launches its SCO in
    the page's iframe; ``reload()`` starts the next session of the same
    attempt. The learner's state is stored in ``localStorage`` under ``key``.

    All network requests of the page's browser context are recorded in
    :attr:`requests`; with ``block_external`` (the default) the ones leaving
    127.0.0.1 are also aborted, so a test fails fast instead of hanging.

    Subclasses name the LMS page and the API's method names: "finish" below
    means ``LMSFinish`` in SCORM 1.2 and ``Terminate`` in SCORM 2004.
    """

    PAGE: ClassVar[str]
    """The LMS page under ``lms/``."""
    INITIALIZE: ClassVar[str]
    """The API method that starts a session."""
    FINISH: ClassVar[str]
    """The API method that ends a session."""

    def __init__(
        self,
        page: Page,
        query: dict[str, str],
        *,
        key: str | None = None,
        block_external: bool = True,
        timeout_ms: float = _DEFAULT_TIMEOUT_MS,
    ) -> None:
        self.page = page
        self.key = key or uuid.uuid4().hex
        self.timeout_ms = timeout_ms
        self.monitor = PageMonitor(page, block_external=block_external)
        self.requests: list[NetworkRequest] = self.monitor.requests
        """Every request made in the page's browser context, in order."""
        self.websockets: list[str] = self.monitor.websockets
        """URLs of WebSockets opened by the page."""
        self.page_errors: list[str] = self.monitor.page_errors
        """Uncaught exceptions in the LMS page or the SCO."""
        self._query = dict(query)
        self._stack = contextlib.ExitStack()
        self._site: Path | None = None
        self._base_url: str | None = None
        self._launch: str | None = None

    # -- lifecycle -----------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the server and remove the served files (the page stays open)."""
        self._stack.close()
        self._site = None
        self._base_url = None

    def _ensure_site(self) -> tuple[Path, str]:
        if self._site is None or self._base_url is None:
            site = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="sabaq-lms-")))
            assemble_site(site)
            self._base_url = self._stack.enter_context(serve_directory(site))
            self._site = site
        return self._site, self._base_url

    def _not_opened(self) -> HarnessError:
        return HarnessError(f"no package opened yet: call {type(self).__name__}.open() first")

    def external_requests(self) -> list[NetworkRequest]:
        """Recorded requests (and WebSockets) that would leave this machine."""
        return self.monitor.external_requests()

    # -- navigation ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` of the served site (after :meth:`open`)."""
        if self._base_url is None:
            raise self._not_opened()
        return self._base_url

    @property
    def site_dir(self) -> Path:
        """The served folder (``lms/``, ``pkg/``) (after :meth:`open`)."""
        if self._site is None:
            raise self._not_opened()
        return self._site

    @property
    def url(self) -> str:
        """The LMS page URL that launches the current package."""
        if self._launch is None:
            raise self._not_opened()
        query = {"sco": self._launch, "key": self.key, **self._query}
        return f"{self.base_url}/lms/{self.PAGE}?{urlencode(query, quote_via=quote)}"

    def open(
        self, package: Path | str, *, launch: str | None = None, new_attempt: bool = True
    ) -> Frame:
        """Serve ``package`` (a zip or a folder) and launch its SCO; return the SCO frame.

        ``launch`` is the SCO's path inside the package; by default the one
        ``imsmanifest.xml`` names (see :func:`find_launch_href`).
        A second ``open()`` starts a new attempt under a new :attr:`key`
        unless ``new_attempt`` is false (then it resumes the current one).
        Waits until the SCO document has loaded (not for the API's
        initialisation: see :meth:`wait_initialized`).
        """
        if self._launch is not None and new_attempt:
            self.key = uuid.uuid4().hex
        site, _ = self._ensure_site()
        pkg_dir = install_package(site, package)
        href = launch if launch is not None else find_launch_href(pkg_dir)
        self._launch = "/pkg/" + href.lstrip("/")
        self.page.goto(self.url, wait_until="load", timeout=self.timeout_ms)
        return self._wait_ready()

    def reload(self) -> Frame:
        """Reload the LMS page: the SCO unloads, then a new session resumes the attempt.

        Returns the new SCO frame once its document has loaded.
        """
        if self._launch is None:
            raise self._not_opened()
        self.page.reload(wait_until="load", timeout=self.timeout_ms)
        return self._wait_ready()

    def _wait_ready(self) -> Frame:
        self.page.wait_for_function(
            "() => window.lmsSession !== undefined && window.lmsSession.ready",
            timeout=self.timeout_ms,
        )
        return self.frame()

    def frame(self) -> Frame:
        """The SCO's frame (the LMS page's ``<iframe name="sco">``)."""
        frame = self.page.frame(name="sco")
        if frame is None:
            raise HarnessError(f"the LMS page has no SCO frame (page at {self.page.url})")
        return frame

    # -- the LMS's view --------------------------------------------------------

    def get(self, element: str) -> str:
        """The current value of a CMI element in scorm-again's data model.

        Read on the LMS side (not through the API's GetValue, so not logged),
        so it also works for write-only elements (``cmi.core.exit``,
        ``cmi.session_time``...), before initialisation and after finishing.
        Raises ``KeyError`` for an element the data model does not have.
        """
        value = self.page.evaluate("(el) => window.lmsGet(el)", element)
        if value is None:
            raise KeyError(element)
        return str(value)

    def saved_state(self) -> dict[str, Any] | None:
        """What the LMS persisted at the last commit or finish of the attempt.

        ``None`` before the first commit; otherwise a dict with ``event`` (the
        API method: ``"LMSCommit"``/``"LMSFinish"``, ``"Commit"``/``"Terminate"``),
        ``finished``, ``session``, ``total_time`` (accumulated), ``cmi``
        (scorm-again's JSON rendering) and ``flat`` (``{"cmi.location": ..., ...}``).
        """
        state = self.page.evaluate("() => window.lmsSavedState()")
        if state is None:
            return None
        if not isinstance(state, dict):
            raise HarnessError(f"unexpected saved state: {state!r}")
        return state

    def saved(self, element: str) -> str | None:
        """One element of :meth:`saved_state` (``None`` if nothing was saved or no such element)."""
        state = self.saved_state()
        if state is None:
            return None
        flat = state.get("flat", {})
        value = flat.get(element) if isinstance(flat, dict) else None
        return None if value is None else str(value)

    def session(self) -> int:
        """The number of the current session of the attempt (1 for the first load)."""
        return int(self.page.evaluate("() => window.lmsSession.session"))

    def log(self) -> list[ApiCall]:
        """The SCO's API calls in the current session, in order."""
        raw = self.page.evaluate("() => window.lmsLog")
        return [ApiCall.from_json(entry) for entry in raw]

    def history(self) -> list[list[ApiCall]]:
        """The call logs of every session of the attempt, oldest first."""
        raw = self.page.evaluate("() => window.lmsHistory()")
        return [[ApiCall.from_json(entry) for entry in session] for session in raw]

    def calls(self, method: str, element: str | None = None) -> list[ApiCall]:
        """Calls of the current session to ``method`` (and ``element``, if given)."""
        return [
            c
            for c in self.log()
            if c.method == method and (element is None or c.element == element)
        ]

    def finish_called(self) -> bool:
        """True once the SCO has finished the current session (whatever the API returned)."""
        return bool(self.calls(self.FINISH))

    def calls_after_finish(self) -> list[ApiCall]:
        """Calls made after the first successful finish of the current session.

        Moodle answers these with an error (301 in SCORM 1.2); scorm-again
        3.4.3 still serves LMSGetValue/LMSSetValue/LMSCommit then in SCORM 1.2,
        so tests should check this.
        """
        log = self.log()
        for index, call in enumerate(log):
            if call.method == self.FINISH and call.result == "true":
                return log[index + 1 :]
        return []

    # -- waiting -------------------------------------------------------------

    def wait_for_call(
        self,
        method: str,
        element: str | None = None,
        *,
        count: int = 1,
        timeout_ms: float | None = None,
    ) -> ApiCall:
        """Wait until the SCO has made ``count`` calls to ``method`` (on ``element``); return the last."""
        self.page.wait_for_function(
            """([method, element, count]) => (window.lmsLog || []).filter(
                   (c) => c.method === method && (element === null || c.element === element)
               ).length >= count""",
            arg=[method, element, count],
            timeout=self.timeout_ms if timeout_ms is None else timeout_ms,
        )
        return self.calls(method, element)[count - 1]

    def wait_initialized(self, *, timeout_ms: float | None = None) -> None:
        """Wait until the SCO's initialisation call has succeeded."""
        self.page.wait_for_function(
            """(method) => (window.lmsLog || []).some(
                   (c) => c.method === method && c.result === "true")""",
            arg=self.INITIALIZE,
            timeout=self.timeout_ms if timeout_ms is None else timeout_ms,
        )

    def wait_finished(self, *, timeout_ms: float | None = None) -> None:
        """Wait until the SCO has called the finishing method."""
        self.wait_for_call(self.FINISH, timeout_ms=timeout_ms)

    def wait_saved(self, *, saves: int = 1, timeout_ms: float | None = None) -> None:
        """Wait until the LMS has persisted ``saves`` commits/finishes in this session."""
        self.page.wait_for_function(
            "(n) => window.lmsSession !== undefined && window.lmsSession.saves >= n",
            arg=saves,
            timeout=self.timeout_ms if timeout_ms is None else timeout_ms,
        )


class Lms12(ScormLms):
    """The test SCORM 1.2 LMS (``lms/scorm12.html``): ``window.API`` is scorm-again's ``Scorm12API``.

    The keyword arguments fill the ``cmi.core.*`` and ``cmi.student_data.*``
    values the LMS provides.
    """

    PAGE: ClassVar[str] = "scorm12.html"
    INITIALIZE: ClassVar[str] = "LMSInitialize"
    FINISH: ClassVar[str] = "LMSFinish"

    def __init__(
        self,
        page: Page,
        *,
        key: str | None = None,
        student_id: str = "student-1",
        student_name: str = "Learner, Test",
        mastery_score: str | None = None,
        launch_data: str | None = None,
        lesson_mode: str = "normal",
        credit: str = "credit",
        language: str | None = None,
        block_external: bool = True,
        timeout_ms: float = _DEFAULT_TIMEOUT_MS,
    ) -> None:
        query = {
            "student_id": student_id,
            "student_name": student_name,
            "lesson_mode": lesson_mode,
            "credit": credit,
        }
        if mastery_score is not None:
            query["mastery_score"] = mastery_score
        if launch_data is not None:
            query["launch_data"] = launch_data
        if language is not None:
            query["language"] = language
        super().__init__(page, query, key=key, block_external=block_external, timeout_ms=timeout_ms)


class Lms2004(ScormLms):
    """The test SCORM 2004 LMS (``lms/scorm2004.html``): ``window.API_1484_11`` is ``Scorm2004API``.

    The keyword arguments fill the ``cmi.*`` values the LMS provides
    (``scaled_passing_score`` and ``completion_threshold`` come from the
    manifest in a real LMS).
    """

    PAGE: ClassVar[str] = "scorm2004.html"
    INITIALIZE: ClassVar[str] = "Initialize"
    FINISH: ClassVar[str] = "Terminate"

    def __init__(
        self,
        page: Page,
        *,
        key: str | None = None,
        learner_id: str = "learner-1",
        learner_name: str = "Learner, Test",
        mode: str = "normal",
        credit: str = "credit",
        launch_data: str | None = None,
        scaled_passing_score: str | None = None,
        completion_threshold: str | None = None,
        block_external: bool = True,
        timeout_ms: float = _DEFAULT_TIMEOUT_MS,
    ) -> None:
        query = {
            "learner_id": learner_id,
            "learner_name": learner_name,
            "mode": mode,
            "credit": credit,
        }
        optional = {
            "launch_data": launch_data,
            "scaled_passing_score": scaled_passing_score,
            "completion_threshold": completion_threshold,
        }
        query.update({name: value for name, value in optional.items() if value is not None})
        super().__init__(page, query, key=key, block_external=block_external, timeout_ms=timeout_ms)


def lesson_frame(player: Frame, lesson_id: str) -> Frame:
    """The lesson page inside a player (SCORM or cmi5), once it shows ``lesson_id``."""
    frame = player.child_frames[0]
    expect(frame.locator("body")).to_have_attribute("data-lesson", lesson_id)
    return frame
