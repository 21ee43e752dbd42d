"""The Alertmanager client: retried failures, a rejected payload, a stop while retrying."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from stream_app.notify.client import AlertmanagerClient, AlertmanagerRejected, NotifyStopped

Answers = list[int]


@pytest.fixture
def server_factory() -> Iterator[Callable[[Answers], tuple[str, list[Any]]]]:
    """``server_factory([503, 200])``: an HTTP server answering these statuses in turn (the last
    one repeated); returns its URL and the list of bodies it received."""
    servers: list[ThreadingHTTPServer] = []

    def make(answers: Answers) -> tuple[str, list[Any]]:
        bodies: list[Any] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                status = answers[min(len(bodies), len(answers)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", bodies

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def _client(url: str, outcomes: list[str]) -> AlertmanagerClient:
    return AlertmanagerClient(
        url, timeout_s=2, retry_initial_s=0.01, retry_max_s=0.02, on_attempt=outcomes.append
    )


def test_failures_are_retried_until_accepted_with_a_fresh_payload(
    server_factory: Callable[[Answers], tuple[str, list[Any]]],
) -> None:
    url, bodies = server_factory([503, 500, 429, 200])
    outcomes: list[str] = []
    built = iter(range(100))
    attempts = asyncio.run(
        _client(url, outcomes).post(lambda: [{"n": next(built)}], asyncio.Event())
    )
    assert attempts == 4
    assert outcomes == ["failed", "failed", "failed", "accepted"]
    assert bodies == [[{"n": 0}], [{"n": 1}], [{"n": 2}], [{"n": 3}]]  # built per attempt


def test_a_bad_request_is_rejected_at_once(
    server_factory: Callable[[Answers], tuple[str, list[Any]]],
) -> None:
    url, bodies = server_factory([400])
    outcomes: list[str] = []
    with pytest.raises(AlertmanagerRejected, match="400"):
        asyncio.run(_client(url, outcomes).post(lambda: [{}], asyncio.Event()))
    assert outcomes == ["rejected"] and len(bodies) == 1


def test_an_unreachable_alertmanager_is_retried_until_stopped() -> None:
    outcomes: list[str] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        client = _client("http://127.0.0.1:9", outcomes)  # discard port: connection refused
        task = asyncio.create_task(client.post(lambda: [{}], stop))
        while len(outcomes) < 3:
            await asyncio.sleep(0.01)
        stop.set()
        with pytest.raises(NotifyStopped):
            await task

    asyncio.run(scenario())
    assert set(outcomes) == {"failed"}
