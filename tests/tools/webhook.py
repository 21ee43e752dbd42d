"""A webhook receiver for Alertmanager notifications, inside the test process.

Alertmanager's webhook integration POSTs one JSON document per notification: ``receiver``,
``status`` (firing when any alert of the group fires), ``groupLabels``, ``commonLabels`` and
``alerts`` (each with its own ``status``, ``labels``, ``annotations``, ``startsAt``, ``endsAt``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Notification = dict[str, Any]


class WebhookReceiver:
    """Collects every notification POSTed to ``url`` (any path), in arrival order."""

    def __init__(self) -> None:
        self.notifications: list[Notification] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Where Alertmanager should post."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/alerts"

    def received(self) -> list[Notification]:
        """A copy of the notifications received so far."""
        with self._lock:
            return list(self.notifications)

    def wait_for(
        self, predicate: Callable[[Notification], bool], timeout: float, what: str = ""
    ) -> Notification:
        """The first notification satisfying ``predicate``, waiting up to ``timeout`` seconds;
        raises ``TimeoutError`` listing what did arrive."""
        deadline = time.monotonic() + timeout
        while True:
            for notification in self.received():
                if predicate(notification):
                    return notification
            if time.monotonic() >= deadline:
                summary = [summarise(n) for n in self.received()]
                raise TimeoutError(f"no notification {what} within {timeout}s; got {summary}")
            time.sleep(0.2)

    def start(self) -> WebhookReceiver:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                with owner._lock:
                    owner.notifications.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def with_alert(**wanted: str) -> Callable[[Notification], bool]:
    """A predicate: the notification holds an alert whose ``status`` and labels match ``wanted``
    (``with_alert(brand="acme", status="resolved", level="brand")``)."""

    def check(notification: Notification) -> bool:
        for alert in notification["alerts"]:
            values = {**alert["labels"], "status": alert["status"]}
            if all(values.get(key) == value for key, value in wanted.items()):
                return True
        return False

    return check


def summarise(notification: Notification) -> str:
    """One line: receiver, status, and each alert's status, alertname, brand, level, severity."""
    alerts = [
        f"{a['status']}:{a['labels'].get('alertname')}/{a['labels'].get('brand')}/"
        f"{a['labels'].get('level')}/{a['labels'].get('severity')}"
        for a in notification.get("alerts", [])
    ]
    return f"{notification.get('receiver')} {notification.get('status')} {alerts}"
