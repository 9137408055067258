from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support import copy_root

if TYPE_CHECKING:
    from builder.preview import PreviewServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files under tests/golden/ from the current output (review the diff!)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Builds remember themselves (builder.buildcache) and fonts are cut once
    (builder.fonts) in a cache of the test session's own, never the user's."""
    folder = tmp_path_factory.mktemp("sabaq-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SABAQ_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def _fixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Builds must not depend on the machine's locale or clock.
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository-like folder with courses/minimal, as the working directory."""
    monkeypatch.chdir(tmp_path)
    copy_root("minimal", tmp_path / "courses")
    return tmp_path


@pytest.fixture
def preview_server(tmp_path: Path) -> Iterator[tuple[PreviewServer, Path]]:
    """`sabaq preview` of a copy of the minimal course, watching it every 50 ms."""
    from builder.preview import PreviewServer

    course = copy_root("minimal", tmp_path)
    server = PreviewServer(course, port=0, interval=0.05)
    server.start()
    try:
        yield server, course
    finally:
        server.stop()
