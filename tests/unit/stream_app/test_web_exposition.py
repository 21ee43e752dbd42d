"""/metrics of the ops server is prometheus-client's handler: gzip, OpenMetrics, name filters;
every process exports ``crisiswatch_build_info``."""

from __future__ import annotations

import gzip
import platform
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families

from stream_app import __version__
from stream_app.build_info import register_build_info
from stream_app.web import OpsServer

Fetch = Callable[..., tuple[dict[str, str], bytes]]


@pytest.fixture
def fetch() -> Iterator[Fetch]:
    """A running ops server with build info and one counter; GET /metrics with given headers."""
    registry = CollectorRegistry()
    register_build_info(registry, "worker")
    Counter("crisiswatch_things_total", "Things.", registry=registry).inc(2)
    server = OpsServer(registry, "127.0.0.1", 0, ready=bool)
    server.start()

    def get(path: str = "/metrics", **headers: str) -> tuple[dict[str, str], bytes]:
        request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=5) as response:
            return dict(response.headers.items()), response.read()

    yield get
    server.stop()


def test_plain_scrape_is_the_text_format_with_build_info(fetch: Fetch) -> None:
    headers, body = fetch()
    assert headers["Content-Type"].startswith("text/plain; version=")
    assert "Content-Encoding" not in headers
    samples = {s.name: s for f in text_string_to_metric_families(body.decode()) for s in f.samples}
    info = samples["crisiswatch_build_info"]
    assert info.value == 1.0
    assert info.labels == {
        "component": "worker",
        "version": __version__,
        "python_version": platform.python_version(),
    }
    assert samples["crisiswatch_things_total"].value == 2.0


def test_gzip_is_negotiated(fetch: Fetch) -> None:
    headers, body = fetch(**{"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip"
    assert b"crisiswatch_build_info{" in gzip.decompress(body)


def test_openmetrics_is_negotiated_as_prometheus_asks(fetch: Fetch) -> None:
    accept = (
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
        "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    )
    headers, body = fetch(Accept=accept)
    assert headers["Content-Type"].startswith("application/openmetrics-text")
    text = body.decode()
    assert text.endswith("# EOF\n")
    families = {f.name: f for f in parse_om(text)}  # type: ignore[no-untyped-call]
    assert families["crisiswatch_build"].type == "info"
    assert families["crisiswatch_things"].type == "counter"


def test_name_filter_restricts_the_answer(fetch: Fetch) -> None:
    _, body = fetch("/metrics?name[]=crisiswatch_things_total")
    assert b"crisiswatch_things_total 2.0" in body
    assert b"crisiswatch_build_info" not in body


def test_other_paths_still_answer(fetch: Fetch) -> None:
    _, body = fetch("/healthz")
    assert body == b"ok\n"
