"""The worker's HTTP endpoints: /metrics, /healthz, /readyz, /stats and /entity, on a thread of
their own.

Served outside the Faust event loop so that health and metrics answer while the worker waits for
the broker or recovers tables. /metrics is prometheus-client's own handler: it negotiates the
OpenMetrics format (``Accept: application/openmetrics-text``) and gzip (``Accept-Encoding``), and
answers ``?name[]=`` filters, as Prometheus' scrapes ask.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from prometheus_client import CollectorRegistry, MetricsHandler


class OpsServer:
    """A small threaded HTTP server for probes, Prometheus scraping and JSON stats."""

    def __init__(
        self,
        registry: CollectorRegistry,
        host: str,
        port: int,
        ready: Callable[[], bool],
        stats: Callable[[], dict[str, Any]] = dict,
        entity: Callable[[str], dict[str, Any] | None] = lambda key: None,
    ) -> None:
        self.registry = registry
        self.ready = ready
        self.stats = stats
        self.entity = entity
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The bound port (useful when 0 was asked for)."""
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Start serving in a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(MetricsHandler):
            registry = owner.registry

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path == "/metrics":
                    super().do_GET()
                elif path == "/healthz":
                    self._send(200, b"ok\n", "text/plain")
                elif path == "/readyz":
                    ok = owner.ready()
                    self._send(
                        200 if ok else 503, b"ready\n" if ok else b"not ready\n", "text/plain"
                    )
                elif path == "/stats":
                    body = json.dumps(owner.stats(), sort_keys=True).encode()
                    self._send(200, body, "application/json")
                elif path == "/entity":
                    self._entity(parse_qs(query).get("key", [""])[0])
                else:
                    self._send(
                        404,
                        b"not found: try /metrics /healthz /readyz /stats /entity?key=brand:NAME\n",
                        "text/plain",
                    )

            def _entity(self, key: str) -> None:
                if not key:
                    self._send(400, b"missing ?key=LEVEL:ID, e.g. brand:acme\n", "text/plain")
                    return
                facts = owner.entity(key)
                if facts is None:
                    self._send(404, f"no state for {key!r}\n".encode(), "text/plain")
                else:
                    self._send(200, json.dumps(facts).encode(), "application/json")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
