"""A tiny cmi5 LMS for the browser tests: an xAPI LRS stub and an AU launcher.

cmi5 has no API object in the page: the LMS launches the assignable unit (AU)
with the address of its LRS, a one-time URL to fetch an authorization token,
the learner (actor), the registration and the AU's activity id, and the AU
talks xAPI to the LRS from then on. :class:`Lrs` plays that LMS on
``http://127.0.0.1:<free port>``, serving the extracted package from the same
origin (so no CORS is involved):

* ``POST /fetch?k=<launch>`` -- the token URL: ``{"auth-token": ...}`` once per
  launch, then ``{"error-code": "1", ...}`` (still HTTP 200, cmi5 §8.2);
* ``GET/PUT/POST /xapi/activities/state`` -- state documents keyed by
  stateId, activityId, agent and registration; each launch first stores
  ``LMS.LaunchData`` there (cmi5 §10), which the AU must not change;
* ``GET /xapi/agents/profile`` -- the learner's ``cmi5LearnerPreferences`` (§11);
* ``POST/PUT /xapi/statements`` -- statements, recorded with the launch whose
  token authorised them.

Every xAPI request must carry ``X-Experience-API-Version`` and
``Authorization: Basic <token of the current launch>``; whatever the LRS
refuses is listed in :attr:`Lrs.problems`, which tests expect to stay empty.

:class:`Cmi5Lms` drives a Playwright page: it installs a built package, reads
its ``cmi5.xml``, launches the AU as cmi5 §8.1 prescribes, and leaves the page
(so the AU ends its session on ``pagehide``). Waiting is event-driven: the
server threads notify a condition the test thread waits on.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from xml.etree import ElementTree

from playwright.sync_api import Frame, Page

from .harness import (
    HarnessError,
    NetworkRequest,
    PageMonitor,
    QuietHandler,
    install_package,
    serve,
)

__all__ = [
    "CMI5_CATEGORY",
    "LAUNCH_DATA",
    "LEARNER_PREFERENCES",
    "MOVEON_CATEGORY",
    "SESSION_ID",
    "Cmi5Course",
    "Cmi5Lms",
    "Launch",
    "Lrs",
    "Received",
    "read_course_structure",
]

JSON = dict[str, Any]

NS_CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
"""The course structure's namespace (cmi5 §13.2)."""
SESSION_ID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
"""The context extension carrying the LMS's session id (cmi5 §9.6.3.1)."""
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
"""The category of "cmi5 defined" statements (cmi5 §9.6.2.1)."""
MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
"""The category of statements that count towards moveOn (cmi5 §9.6.2.2)."""
LAUNCH_DATA = "LMS.LaunchData"
"""The state document the LMS writes before each launch (cmi5 §10)."""
LEARNER_PREFERENCES = "cmi5LearnerPreferences"
"""The agent profile document with the learner's preferences (cmi5 §11)."""
XAPI_VERSION = "1.0.3"

_DEFAULT_TIMEOUT_S = 30.0
"""How long to wait for what a page sends: a wait ends as soon as it arrives, and a CI
machine running two browsers on two cores can take many seconds to send it."""


# --------------------------------------------------------------------------
# The course structure
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cmi5Course:
    """What an LMS takes from ``cmi5.xml`` for a course of one AU."""

    course_id: str
    au_id: str
    """The AU's publisher id (``<au id>``)."""
    url: str
    """The AU's launch URL, relative to the package."""
    move_on: str
    launch_method: str
    mastery_score: str | None = None
    """The AU's ``masteryScore`` (0 to 1), which the LMS passes on in ``LMS.LaunchData``."""


def read_course_structure(pkg_dir: Path) -> Cmi5Course:
    """Read the course and its first AU from ``pkg_dir/cmi5.xml``."""
    path = pkg_dir / "cmi5.xml"
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        raise HarnessError(f"cannot read the course structure {path}: {exc}") from exc
    ns = {"c": NS_CMI5}
    course = root.find("c:course", ns)
    au = root.find(".//c:au", ns)
    url = au.findtext("c:url", namespaces=ns) if au is not None else None
    if course is None or au is None or not url:
        raise HarnessError(f"{path} has no course with an AU and its url")
    return Cmi5Course(
        course_id=course.get("id", ""),
        au_id=au.get("id", ""),
        url=url.strip(),
        move_on=au.get("moveOn", "NotApplicable"),
        launch_method=au.get("launchMethod", "AnyWindow"),
        mastery_score=au.get("masteryScore"),
    )


# --------------------------------------------------------------------------
# The LRS
# --------------------------------------------------------------------------


@dataclass
class Launch:
    """One launch of the AU: one cmi5 session."""

    number: int
    """1 for the first launch of this LRS, 2 for the next..."""
    url: str
    """The URL the LMS opens: the AU's URL with the cmi5 launch parameters."""
    fetch_url: str
    session_id: str
    registration: str
    actor: JSON
    activity_id: str
    launch_mode: str
    token: str | None = None
    """The auth-token the fetch URL handed out (None until the AU asked)."""
    fetches: int = 0
    """How often the fetch URL was called."""
    revoked: bool = False
    """True once a later launch of the registration has started (the token expired)."""
    terminated: bool = False
    """True once the LRS has stored this session's ``terminated`` statement."""


@dataclass(frozen=True)
class Received:
    """A request the LRS answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    launch: int | None
    """The launch whose token authorised it, if any."""


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _json_response(status: int, data: Any) -> _Response:
    return _Response(
        status,
        json.dumps(data).encode("utf-8"),
        {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION},
    )


def _canonical(agent: Any) -> str:
    return json.dumps(agent, sort_keys=True, separators=(",", ":"))


class Lrs:
    """The test LMS's LRS, token URL and file server (see the module docstring).

    Use it as a context manager: it serves ``site`` (the package goes under
    ``site/pkg``) while the block runs. All state is guarded by one condition
    that request threads notify, so tests can :meth:`wait_until` something
    happened.
    """

    def __init__(
        self,
        site: Path,
        *,
        actor: JSON | None = None,
        registration: str | None = None,
        learner_preferences: JSON | None = None,
    ) -> None:
        self.site = site
        self.actor: JSON = actor or {
            "objectType": "Agent",
            "name": "Learner, Test",
            "account": {"homePage": "https://lms.sabaq.test", "name": "learner-1"},
        }
        self.registration = registration or str(uuid.uuid4())
        self.launches: list[Launch] = []
        self.statements: list[tuple[int, JSON]] = []
        """Stored statements with the number of the launch that sent them, in arrival order."""
        self.received: list[Received] = []
        """Every request to ``/fetch`` and ``/xapi/``, in order."""
        self.problems: list[str] = []
        """Why the LRS refused a request (bad token, missing header, bad statement...)."""
        self._states: dict[tuple[str, str, str, str], Any] = {}
        self._profiles: dict[tuple[str, str], Any] = {}
        if learner_preferences is not None:
            self._profiles[(_canonical(self.actor), LEARNER_PREFERENCES)] = learner_preferences
        self._condition = threading.Condition()
        self._stack = contextlib.ExitStack()
        self._base_url: str | None = None

    # -- lifecycle -------------------------------------------------------------

    def __enter__(self) -> Self:
        self.site.mkdir(parents=True, exist_ok=True)
        handler = partial(_LrsHandler, lrs=self, directory=str(self.site))
        self._base_url = self._stack.enter_context(serve(handler, name="test LRS"))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()
        self._base_url = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` while the LRS runs."""
        if self._base_url is None:
            raise HarnessError("the LRS is not running: use it in a `with` block")
        return self._base_url

    # -- the LMS side ------------------------------------------------------------

    def launch(
        self,
        course: Cmi5Course,
        *,
        launch_mode: str = "Normal",
        activity_id: str | None = None,
        return_url: str | None = None,
    ) -> Launch:
        """Prepare a launch of ``course``'s AU (cmi5 §8.1, §10) and return it.

        Writes ``LMS.LaunchData`` (a context template with the session id and
        the AU's publisher id in ``grouping``, ``launchMode``, ``moveOn`` and
        ``returnURL``) and expires the tokens of earlier launches. The AU's
        activity id is generated by the LMS and differs from its publisher id,
        as cmi5 §8.1 requires, unless ``activity_id`` is given.
        """
        base = self.base_url
        activity = activity_id or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, course.au_id)}"
        with self._condition:
            number = len(self.launches) + 1
            for earlier in self.launches:
                earlier.revoked = True
            session_id = str(uuid.uuid4())
            fetch_url = f"{base}/fetch?k={number}"
            query = {
                "endpoint": f"{base}/xapi/",
                "fetch": fetch_url,
                "actor": json.dumps(self.actor),
                "registration": self.registration,
                "activityId": activity,
            }
            launch = Launch(
                number=number,
                url=f"{base}/pkg/{course.url}?{urlencode(query, quote_via=quote)}",
                fetch_url=fetch_url,
                session_id=session_id,
                registration=self.registration,
                actor=self.actor,
                activity_id=activity,
                launch_mode=launch_mode,
            )
            self.launches.append(launch)
            key = (LAUNCH_DATA, activity, _canonical(self.actor), self.registration)
            self._states[key] = {
                "contextTemplate": {
                    "contextActivities": {
                        "grouping": [{"objectType": "Activity", "id": course.au_id}]
                    },
                    "extensions": {SESSION_ID: session_id},
                },
                "launchMode": launch_mode,
                "moveOn": course.move_on,
                "returnURL": return_url or f"{base}/lms/returned.html",
            }
            if course.mastery_score is not None:
                # cmi5 §10.2.1: an AU's masteryScore from the course structure goes
                # into its launch data, and the AU must judge passed/failed by it.
                self._states[key]["masteryScore"] = float(course.mastery_score)
        return launch

    # -- reading what was recorded ---------------------------------------------------

    def statements_of(self, launch: int | None = None) -> list[JSON]:
        """Stored statements (of one launch, if given), in arrival order."""
        with self._condition:
            return [s for n, s in self.statements if launch is None or n == launch]

    def verbs(self, launch: int | None = None) -> list[str]:
        """The verbs of :meth:`statements_of`, shortened to their last path segment."""
        return [s["verb"]["id"].rsplit("/", 1)[-1] for s in self.statements_of(launch)]

    def state(self, state_id: str, launch: Launch) -> Any:
        """The state document ``state_id`` for ``launch``'s activity, agent and registration."""
        key = (state_id, launch.activity_id, _canonical(launch.actor), launch.registration)
        with self._condition:
            return self._states.get(key)

    def requests_to(self, path: str, method: str | None = None) -> list[Received]:
        with self._condition:
            return [
                r
                for r in self.received
                if r.path == path and (method is None or r.method == method)
            ]

    # -- waiting -------------------------------------------------------------------

    def wait_until(
        self, predicate: Callable[[], bool], what: str, *, timeout: float = _DEFAULT_TIMEOUT_S
    ) -> None:
        """Block until ``predicate()`` (called with the LRS's lock held) is true.

        Request threads notify after every request, so this wakes up exactly
        when something changed. Raises ``AssertionError`` after ``timeout`` s.
        """
        with self._condition:
            if not self._condition.wait_for(predicate, timeout=timeout):
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; "
                    f"statements: {self.verbs()}, problems: {self.problems}"
                )

    def wait_for_verb(
        self, verb: str, launch: int | None = None, *, timeout: float = _DEFAULT_TIMEOUT_S
    ) -> JSON:
        """Wait for a statement with ``verb`` (its last IRI segment); return the first."""

        def found() -> JSON | None:
            for statement in self.statements_of(launch):
                if statement["verb"]["id"].rsplit("/", 1)[-1] == verb:
                    return statement
            return None

        self.wait_until(lambda: found() is not None, f"a {verb!r} statement", timeout=timeout)
        statement = found()
        assert statement is not None
        return statement

    # -- answering requests -------------------------------------------------------------

    def _handle(self, request: _Request) -> _Response:
        with self._condition:
            try:
                launch: Launch | None = None
                if request.path == "/fetch":
                    response = self._fetch(request)
                else:
                    launch, response = self._xapi(request)
                self.received.append(
                    Received(
                        method=request.method,
                        path=request.path,
                        query=request.query,
                        status=response.status,
                        launch=launch.number if launch else None,
                    )
                )
                return response
            finally:
                self._condition.notify_all()

    def _refuse(self, status: int, message: str) -> _Response:
        self.problems.append(message)
        return _json_response(status, {"error": message})

    def _fetch(self, request: _Request) -> _Response:
        if request.method != "POST":
            # cmi5 §8.2.1: "an HTTP GET is not allowed in order to prevent caching".
            return self._refuse(405, f"{request.method} /fetch: the fetch URL takes POST only")
        number = request.query.get("k", "")
        launch = next((la for la in self.launches if str(la.number) == number), None)
        if launch is None:
            return _json_response(200, {"error-code": "2", "error-text": "Unknown launch."})
        launch.fetches += 1
        if launch.token is not None or launch.revoked:
            # cmi5 §8.2.3: a one-time URL; errors still answer 200 with JSON.
            return _json_response(
                200,
                {"error-code": "1", "error-text": "The authorization token was already returned."},
            )
        secret = f"launch-{launch.number}:{secrets.token_hex(8)}".encode("ascii")
        launch.token = base64.b64encode(secret).decode("ascii")
        return _json_response(200, {"auth-token": launch.token})

    def _xapi(self, request: _Request) -> tuple[Launch | None, _Response]:
        where = f"{request.method} {request.path}"
        version = request.headers.get("x-experience-api-version", "")
        if not version.startswith("1.0"):
            return None, self._refuse(400, f"{where}: X-Experience-API-Version is {version!r}")
        authorization = request.headers.get("authorization", "")
        launch = next(
            (la for la in self.launches if la.token and authorization == f"Basic {la.token}"),
            None,
        )
        if launch is None:
            return None, self._refuse(401, f"{where}: unknown Authorization {authorization!r}")
        if launch.revoked:
            return launch, self._refuse(
                401, f"{where}: the token of launch {launch.number} expired"
            )
        if request.path == "/xapi/statements" and request.method in ("POST", "PUT"):
            return launch, self._post_statements(request, launch)
        if request.path == "/xapi/activities/state":
            return launch, self._state(request, launch)
        if request.path == "/xapi/agents/profile" and request.method == "GET":
            agent = _canonical(_parse_json(request.query.get("agent", "")))
            document = self._profiles.get((agent, request.query.get("profileId", "")))
            if document is None:
                return launch, _json_response(404, {"error": "no such profile document"})
            return launch, _json_response(200, document)
        return launch, self._refuse(404, f"{where}: not an endpoint of this LRS")

    def _post_statements(self, request: _Request, launch: Launch) -> _Response:
        body = _parse_json(request.body)
        batch = body if isinstance(body, list) else [body]
        if request.method == "PUT" and isinstance(body, dict):
            body.setdefault("id", request.query.get("statementId"))
        stored_ids = {s.get("id") for _, s in self.statements}
        for statement in batch:
            if not isinstance(statement, dict):
                return self._refuse(400, f"not a statement: {statement!r}")
            missing = [k for k in ("id", "actor", "verb", "object") if k not in statement]
            if missing:
                return self._refuse(400, f"statement without {', '.join(missing)}: {statement}")
            if statement["id"] in stored_ids:
                return self._refuse(409, f"statement id {statement['id']} used twice")
            if launch.terminated:
                # cmi5 §9.3.8: nothing may follow "terminated" in a session.
                return self._refuse(
                    403, f"statement after launch {launch.number} terminated: {statement}"
                )
        for statement in batch:
            self.statements.append((launch.number, statement))
            if str(statement["verb"].get("id", "")).endswith("/terminated"):
                launch.terminated = True
        return _json_response(200, [s["id"] for s in batch])

    def _state(self, request: _Request, launch: Launch) -> _Response:
        query = request.query
        state_id = query.get("stateId", "")
        agent = _parse_json(query.get("agent", ""))
        key = (
            state_id,
            query.get("activityId", ""),
            _canonical(agent),
            query.get("registration", ""),
        )
        if (key[1], key[2], key[3]) != (
            launch.activity_id,
            _canonical(launch.actor),
            launch.registration,
        ):
            self.problems.append(
                f"{request.method} state {state_id!r} for another activity, agent or "
                f"registration than launched: {query}"
            )
        if request.method == "GET":
            if key not in self._states:
                return _json_response(404, {"error": "no such state document"})
            return _json_response(200, self._states[key])
        if request.method not in ("PUT", "POST"):
            return self._refuse(405, f"{request.method} state is not supported here")
        if state_id == LAUNCH_DATA:
            # cmi5 §10: "The AU MUST NOT modify or delete the LMS.LaunchData State document."
            return self._refuse(403, "the AU tried to change LMS.LaunchData")
        document = _parse_json(request.body)
        previous = self._states.get(key)
        if request.method == "POST" and isinstance(previous, dict) and isinstance(document, dict):
            document = {**previous, **document}
        self._states[key] = document
        return _Response(204, headers={"X-Experience-API-Version": XAPI_VERSION})


def _parse_json(data: bytes | str) -> Any:
    try:
        return json.loads(data or "null")
    except ValueError:
        return None


class _LrsHandler(QuietHandler):
    """Static files from the site, and ``/fetch`` and ``/xapi/...`` from the :class:`Lrs`."""

    def __init__(self, *args: Any, lrs: Lrs, **kwargs: Any) -> None:
        self.lrs = lrs  # before super().__init__(), which answers the request
        super().__init__(*args, **kwargs)

    def _is_lrs_path(self) -> bool:
        path = urlsplit(self.path).path
        return path == "/fetch" or path.startswith("/xapi/")

    def do_GET(self) -> None:
        if self._is_lrs_path():
            self._answer("GET")
        else:
            super().do_GET()

    def do_POST(self) -> None:
        self._answer("POST")

    def do_PUT(self) -> None:
        self._answer("PUT")

    def do_DELETE(self) -> None:
        self._answer("DELETE")

    def _answer(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if not self._is_lrs_path():
            self.send_error(405)
            return
        response = self.lrs._handle(
            _Request(
                method=method,
                path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
        )
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


# --------------------------------------------------------------------------
# The browser side
# --------------------------------------------------------------------------


class Cmi5Lms:
    """A Playwright page in which the test LMS launches a cmi5 package's AU.

    :meth:`open` installs the package (once) and launches its AU in the page,
    as a new session of the same registration; :meth:`leave` navigates away,
    so the AU ends its session on ``pagehide``, and waits for ``terminated``.
    Requests leaving 127.0.0.1 are recorded and aborted (see :class:`PageMonitor`).
    """

    def __init__(self, page: Page, lrs: Lrs, *, timeout_ms: float = 10_000) -> None:
        self.page = page
        self.lrs = lrs
        self.timeout_ms = timeout_ms
        self.monitor = PageMonitor(page)
        self.course: Cmi5Course | None = None
        self.launch: Launch | None = None
        """The current (last) launch."""

    @property
    def page_errors(self) -> list[str]:
        return self.monitor.page_errors

    def external_requests(self) -> list[NetworkRequest]:
        return self.monitor.external_requests()

    def install(self, package: Path | str) -> Cmi5Course:
        """Put ``package`` under the LRS's ``pkg/`` and read its course structure."""
        self.course = read_course_structure(install_package(self.lrs.site, package))
        return self.course

    def open(self, package: Path | str | None = None, *, launch_mode: str = "Normal") -> Frame:
        """Launch the AU (installing ``package`` first, if given); return the player's frame."""
        if package is not None:
            self.install(package)
        if self.course is None:
            raise HarnessError("no package installed: call Cmi5Lms.open(package) first")
        self.launch = self.lrs.launch(self.course, launch_mode=launch_mode)
        self.page.goto(self.launch.url, wait_until="load", timeout=self.timeout_ms)
        return self.page.main_frame

    def leave(self) -> JSON:
        """Navigate away from the AU and return the session's ``terminated`` statement."""
        if self.launch is None:
            raise HarnessError("nothing launched: call Cmi5Lms.open() first")
        self.page.goto("about:blank", timeout=self.timeout_ms)
        return self.lrs.wait_for_verb("terminated", self.launch.number)
