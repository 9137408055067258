"""The preview server on its own: local names only, a watcher that survives bad saves,
and no temporary folder left behind when it is stopped by a signal."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder.preview import PreviewServer
from tests.support import REPO, copy_root


def get(preview: PreviewServer, path: str, host: str | None = None) -> int:
    port = preview.httpd.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Host": host} if host is not None else {}
    connection.request("GET", path, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_only_local_host_names_are_answered(preview_server: tuple[PreviewServer, Path]) -> None:
    preview, _ = preview_server
    port = preview.httpd.server_address[1]
    assert get(preview, "/") == 200
    assert get(preview, "/", f"localhost:{port}") == 200
    # A page from elsewhere whose name now resolves to 127.0.0.1 (DNS rebinding):
    assert get(preview, "/", f"attacker.example:{port}") == 421
    assert get(preview, "/pkg/index.html", "attacker.example") == 421


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_watcher_outlives_a_save_that_breaks_the_build(
    preview_server: tuple[PreviewServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    preview, course = preview_server
    lesson = course / "01-basics" / "01-welcome.md"
    version = preview.state.status()["version"]

    def broken() -> None:
        raise OSError("the file is being written")

    monkeypatch.setattr(preview.state, "rebuild", broken)
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    wait_for(lambda: preview.state.status()["version"] > version, "the failed rebuild")
    assert preview.state.status()["errors"] == [
        "error: the preview could not rebuild: the file is being written"
    ]
    monkeypatch.undo()
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nEven more.\n", encoding="utf-8")
    wait_for(lambda: preview.state.status()["errors"] == [], "the next good rebuild")


def test_sigterm_removes_the_temporary_build(tmp_path: Path) -> None:
    course = copy_root("minimal", tmp_path)
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "builder", "preview", str(course), "--port", "0"],
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: any(temp.glob("sabaq-preview-*/build-*")), "the first build")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert list(temp.iterdir()) == []
