"""Server fixtures: one real index of the bundled corpus per session, apps, and a live uvicorn."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from curbside import Pipeline, Settings

REPO = Path(__file__).resolve().parents[2]
ANAKINRA = "Is it safe to start anakinra in a patient with gout who is already on tacrolimus (FK506) and Cellcept?"
FOLLOW_UP = "What about canakinumab instead?"
API_KEY = "test-key-5f1c"


@pytest.fixture(scope="session")
def pipeline(bundled_pipeline: Pipeline) -> Pipeline:
    """The bundled-corpus pipeline shared with the QA tests (built once per session)."""
    return bundled_pipeline


@pytest.fixture(scope="session")
def settings(pipeline: Pipeline) -> Settings:
    return pipeline.settings


@pytest.fixture(scope="session")
def client(pipeline: Pipeline):
    from fastapi.testclient import TestClient

    from curbside.server import create_app

    with TestClient(create_app(pipeline)) as c:
        yield c


@pytest.fixture(scope="session")
def auth_client(pipeline: Pipeline):
    from fastapi.testclient import TestClient

    from curbside.server import create_app

    settings = pipeline.settings.with_overrides(server__api_key=API_KEY)
    with TestClient(create_app(pipeline, settings)) as c:
        yield c


@pytest.fixture(scope="session")
def anakinra_answer(client) -> dict:
    r = client.post("/v1/ask", json={"question": ANAKINRA})
    assert r.status_code == 200, r.text
    return r.json()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server on a loopback port, in a background thread."""

    def __init__(self, app) -> None:
        import uvicorn

        from curbside.server import uvicorn_options

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        options = uvicorn_options(app.state.curbside.settings)  # as `curbside serve` runs it
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(pipeline: Pipeline) -> Iterator[LiveServer]:
    from curbside.server import create_app

    with LiveServer(create_app(pipeline)) as server:
        yield server
