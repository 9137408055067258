"""The browser-test harness itself, against a tiny hand-written SCO and real scorm-again."""

from __future__ import annotations

import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, expect

from . import harness
from .harness import (
    HarnessError,
    Lms12,
    find_launch_href,
    install_package,
    is_local_url,
    node_modules_dir,
    serve_directory,
)

# A minimal SCORM 1.2 SCO: finds API the way real SCOs do (walking up the
# parents), shows what it read at start-up, saves its progress and commits;
# the "Finish" button completes it and calls LMSFinish.
SCO_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Tiny SCO</title></head>
<body>
<p>entry: <span id="entry"></span></p>
<p>location: <span id="location"></span></p>
<p>suspend: <span id="suspend"></span></p>
<p>status: <span id="status"></span></p>
<p>state: <span id="state">loading</span></p>
<button id="finish" type="button">Finish</button>
<script>
function findAPI(win) {
  var tries = 0;
  while (!win.API && win.parent && win.parent !== win && tries < 7) {
    win = win.parent;
    tries += 1;
  }
  return win.API || null;
}
function show(id, text) { document.getElementById(id).textContent = text; }

var api = findAPI(window.parent);
if (api === null || api.LMSInitialize("") !== "true") {
  show("state", "no LMS");
} else {
  var entry = api.LMSGetValue("cmi.core.entry");
  var suspend = api.LMSGetValue("cmi.suspend_data");
  show("entry", entry);
  show("location", api.LMSGetValue("cmi.core.lesson_location"));
  show("suspend", suspend);
  show("status", api.LMSGetValue("cmi.core.lesson_status"));
  var visits = Number((/visits=(\\d+)/.exec(suspend) || [0, "0"])[1]) + 1;
  api.LMSSetValue("cmi.core.lesson_location", "page-" + (visits + 1));
  api.LMSSetValue("cmi.suspend_data", "visits=" + visits);
  if (api.LMSGetValue("cmi.core.lesson_status") !== "completed") {
    api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  }
  api.LMSSetValue("cmi.core.exit", "suspend");
  api.LMSSetValue("cmi.core.session_time", "00:00:05");
  api.LMSCommit("");
  show("state", "running");
  document.getElementById("finish").addEventListener("click", function () {
    api.LMSSetValue("cmi.core.lesson_status", "completed");
    api.LMSSetValue("cmi.core.exit", "");
    api.LMSFinish("");
    show("state", "finished");
  });
}
</script>
</body>
</html>
"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="tiny" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Tiny</title>
      <item identifier="i1" identifierref="r1" parameters="lang=en"><title>One</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="content/sco.html">
      <file href="content/sco.html"/>
    </resource>
  </resources>
</manifest>
"""


@pytest.fixture
def sco_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "sco"
    folder.mkdir()
    (folder / "index.html").write_text(SCO_HTML, encoding="utf-8")
    return folder


@pytest.fixture
def sco_zip(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("content/sco.html", SCO_HTML)
    return path


def test_first_launch_initializes_and_commits(lms12: Lms12, sco_dir: Path) -> None:
    frame = lms12.open(sco_dir)
    expect(frame.locator("#state")).to_have_text("running")
    expect(frame.locator("#entry")).to_have_text("ab-initio")
    expect(frame.locator("#status")).to_have_text("not attempted")

    # The LMS's view of scorm-again's data model, write-only elements included.
    assert lms12.get("cmi.core.lesson_location") == "page-2"
    assert lms12.get("cmi.suspend_data") == "visits=1"
    assert lms12.get("cmi.core.lesson_status") == "incomplete"
    assert lms12.get("cmi.core.exit") == "suspend"
    assert lms12.get("cmi.core.session_time") == "00:00:05"
    assert lms12.get("cmi.core.student_id") == "student-1"
    assert lms12.get("cmi.core._children").startswith("student_id,")
    with pytest.raises(KeyError):
        lms12.get("cmi.core.no_such_element")

    state = lms12.saved_state()
    assert state is not None
    assert state["event"] == "LMSCommit"
    assert state["finished"] is False
    assert state["flat"]["cmi.core.lesson_location"] == "page-2"
    assert state["flat"]["cmi.suspend_data"] == "visits=1"
    assert lms12.saved("cmi.core.lesson_status") == "incomplete"

    log = lms12.log()
    assert log[0].method == "LMSInitialize" and log[0].result == "true"
    sets = {c.element: c.value for c in lms12.calls("LMSSetValue")}
    assert sets["cmi.core.lesson_status"] == "incomplete"
    assert all(c.result == "true" and c.error == "0" for c in lms12.calls("LMSSetValue"))
    assert [c.result for c in lms12.calls("LMSCommit")] == ["true"]
    assert not lms12.finish_called()

    # Everything came from 127.0.0.1; nothing went out.
    assert lms12.requests, "requests should be recorded"
    assert lms12.external_requests() == []
    assert lms12.page_errors == []


def test_reload_resumes_the_attempt(lms12: Lms12, sco_dir: Path) -> None:
    frame = lms12.open(sco_dir)
    expect(frame.locator("#state")).to_have_text("running")
    assert lms12.session() == 1

    frame = lms12.reload()
    expect(frame.locator("#state")).to_have_text("running")
    assert lms12.session() == 2
    # What the SCO read through LMSGetValue right after LMSInitialize.
    expect(frame.locator("#entry")).to_have_text("resume")
    expect(frame.locator("#location")).to_have_text("page-2")
    expect(frame.locator("#suspend")).to_have_text("visits=1")
    expect(frame.locator("#status")).to_have_text("incomplete")
    gets = {c.element: c.result for c in lms12.calls("LMSGetValue")}
    assert gets["cmi.core.entry"] == "resume"
    assert gets["cmi.core.lesson_location"] == "page-2"

    assert lms12.get("cmi.core.entry") == "resume"
    assert lms12.get("cmi.core.total_time") == "00:00:05"
    assert lms12.get("cmi.suspend_data") == "visits=2"
    assert lms12.saved("cmi.core.lesson_location") == "page-3"

    history = lms12.history()
    assert len(history) == 2
    assert history[0][0].method == "LMSInitialize"
    assert history[1] == lms12.log()


def test_finish_is_recorded_and_persisted(lms12: Lms12, sco_dir: Path) -> None:
    frame = lms12.open(sco_dir)
    expect(frame.locator("#state")).to_have_text("running")
    frame.locator("#finish").click()
    lms12.wait_finished()
    expect(frame.locator("#state")).to_have_text("finished")

    assert lms12.finish_called()
    assert lms12.calls("LMSFinish")[0].result == "true"
    assert lms12.calls_after_finish() == []
    # Readable on the LMS side after LMSFinish.
    assert lms12.get("cmi.core.lesson_status") == "completed"
    state = lms12.saved_state()
    assert state is not None
    assert state["event"] == "LMSFinish"
    assert state["finished"] is True
    assert state["flat"]["cmi.core.lesson_status"] == "completed"
    assert state["total_time"] == "00:00:05"

    # exit was "" (not suspend): the next session is not a resume, but the
    # attempt's data is carried over and the time accumulates.
    frame = lms12.reload()
    expect(frame.locator("#state")).to_have_text("running")
    expect(frame.locator("#entry")).to_have_text("")
    expect(frame.locator("#status")).to_have_text("completed")
    expect(frame.locator("#suspend")).to_have_text("visits=1")
    assert lms12.get("cmi.core.total_time") == "00:00:05"
    assert not lms12.finish_called()
    assert any(c.method == "LMSFinish" for c in lms12.history()[0])


def test_finish_on_unload_is_saved_before_the_next_session(lms12: Lms12, tmp_path: Path) -> None:
    sco = tmp_path / "unload"
    sco.mkdir()
    (sco / "index.html").write_text(
        """<!DOCTYPE html><meta charset="utf-8"><title>unload</title><script>
        var api = window.parent.API;
        api.LMSInitialize("");
        api.LMSSetValue("cmi.core.lesson_location", "slide-7");
        window.addEventListener("pagehide", function () {
          api.LMSSetValue("cmi.core.exit", "suspend");
          api.LMSFinish("");
        });
        </script>""",
        encoding="utf-8",
    )
    lms12.open(sco)
    lms12.wait_initialized()
    assert lms12.saved_state() is None  # no commit yet

    lms12.reload()
    lms12.wait_initialized()
    first = lms12.history()[0]
    assert [c.method for c in first][-1] == "LMSFinish"
    assert lms12.get("cmi.core.entry") == "resume"
    assert lms12.get("cmi.core.lesson_location") == "slide-7"


def test_open_zip_launches_the_manifest_sco(lms12: Lms12, sco_zip: Path) -> None:
    frame = lms12.open(sco_zip)
    assert frame.url.endswith("/pkg/content/sco.html?lang=en")
    expect(frame.locator("#state")).to_have_text("running")
    assert (lms12.site_dir / "pkg" / "imsmanifest.xml").is_file()
    assert lms12.external_requests() == []


def test_second_open_starts_a_new_attempt(lms12: Lms12, sco_dir: Path, sco_zip: Path) -> None:
    frame = lms12.open(sco_dir)
    expect(frame.locator("#state")).to_have_text("running")
    first_key = lms12.key

    frame = lms12.open(sco_zip)
    expect(frame.locator("#entry")).to_have_text("ab-initio")
    assert lms12.key != first_key
    assert lms12.session() == 1

    frame = lms12.open(sco_zip, new_attempt=False)
    expect(frame.locator("#entry")).to_have_text("resume")
    assert lms12.session() == 2


def test_external_requests_are_recorded_and_blocked(lms12: Lms12, tmp_path: Path) -> None:
    sco = tmp_path / "leaky"
    sco.mkdir()
    (sco / "index.html").write_text(
        """<!DOCTYPE html><meta charset="utf-8"><title>leaky</title>
        <img id="img" src="https://cdn.example.com/logo.png" alt="">
        <script>window.parent.API.LMSInitialize("");</script>""",
        encoding="utf-8",
    )
    frame = lms12.open(sco)
    lms12.wait_initialized()
    frame.wait_for_function("() => document.getElementById('img').complete")
    external = lms12.external_requests()
    assert [r.url for r in external] == ["https://cdn.example.com/logo.png"]
    assert external[0].resource_type == "image"
    assert external[0].frame_url is not None and external[0].frame_url.endswith("/pkg/index.html")


def test_scorm_again_behaviour_the_harness_documents(lms12: Lms12, sco_dir: Path) -> None:
    """Pins scorm-again 3.4.3 behaviour that tests of generated packages depend on."""
    frame = lms12.open(sco_dir)
    expect(frame.locator("#state")).to_have_text("running")

    def call(js: str) -> str:
        return str(frame.evaluate(f"(() => {{ const API_ = window.parent.API; return {js}; }})()"))

    # CMITimespan is validated: SCORM 2004 durations are refused (405).
    assert call("API_.LMSSetValue('cmi.core.session_time', 'PT5M')") == "false"
    assert call("API_.LMSGetLastError()") == "405"
    assert call("API_.LMSSetValue('cmi.core.session_time', '0000:01:30.5')") == "true"
    assert lms12.get("cmi.core.session_time") == "00:01:30.5"
    # Write-only elements answer 404 to the SCO (but the LMS side reads them).
    assert call("API_.LMSGetValue('cmi.core.exit')") == ""
    assert call("API_.LMSGetLastError()") == "404"
    assert lms12.get("cmi.core.exit") == "suspend"

    # After LMSFinish scorm-again still serves LMSGetValue (Moodle would not),
    # so the harness reports such calls instead.
    assert call("API_.LMSFinish('')") == "true"
    assert call("API_.LMSGetValue('cmi.core.lesson_location')") == "page-2"
    assert [c.method for c in lms12.calls_after_finish()] == ["LMSGetValue"]


def test_is_local_url() -> None:
    assert is_local_url("http://127.0.0.1:8000/pkg/index.html")
    assert is_local_url("http://localhost/x")
    assert is_local_url("ws://[::1]:9/socket")
    assert is_local_url("data:image/png;base64,AAAA")
    assert is_local_url("about:blank")
    assert not is_local_url("https://fonts.googleapis.com/css")
    assert not is_local_url("http://10.0.0.1/x")
    assert not is_local_url("file:///etc/passwd")


def test_serve_directory_serves_and_shuts_down(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hi", encoding="utf-8")
    with serve_directory(tmp_path) as base:
        assert base.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{base}/hello.txt", timeout=5) as response:
            assert response.read() == b"hi"
            assert response.headers["Cache-Control"] == "no-store"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base}/hello.txt", timeout=2)


def test_find_launch_href_and_zip_safety(tmp_path: Path, sco_zip: Path) -> None:
    site = tmp_path / "site"
    pkg = install_package(site, sco_zip)
    assert find_launch_href(pkg) == "content/sco.html?lang=en"

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.txt", "x")
    with pytest.raises(HarnessError, match="unsafe path"):
        install_package(site, evil)
    assert not (tmp_path / "escape.txt").exists()


def test_missing_node_modules_says_run_npm_ci(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}", encoding="utf-8")
    with pytest.raises(HarnessError, match="npm ci"):
        node_modules_dir(tmp_path)


def test_missing_chromium_fails_clearly(
    playwright: Playwright, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(harness, "CHROMIUM_PATH", tmp_path / "no-chromium")
    with pytest.raises(HarnessError, match="no-chromium not found"):
        harness.launch_chromium(playwright)
