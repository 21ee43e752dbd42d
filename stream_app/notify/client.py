"""Alertmanager's API v2 from the notify service: ``POST /api/v2/alerts`` with retries.

Connection errors, timeouts, 5xx, 408 and 429 are retried with exponential backoff (doubling from
``retry_initial_ms`` up to ``retry_max_ms``) until Alertmanager accepts or the service stops; any
other 4xx is a payload Alertmanager will never accept and raises :class:`AlertmanagerRejected`
at once (retrying it would stall every alert behind it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger("crisiswatch.notify")

_RETRIED_4XX = frozenset({408, 429})


class AlertmanagerRejected(RuntimeError):
    """Alertmanager answered 4xx: the posted alerts are invalid and will never be accepted."""


class NotifyStopped(RuntimeError):
    """The service was asked to stop while Alertmanager had not accepted a post yet."""


def post_alerts_once(base_url: str, alerts: Sequence[dict[str, Any]], timeout_s: float) -> None:
    """One ``POST /api/v2/alerts``; raises ``urllib.error.URLError``/``OSError`` when it fails."""
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/api/v2/alerts",
        data=json.dumps(list(alerts)).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        response.read()


class AlertmanagerClient:
    """Posts alerts until Alertmanager accepts them; reports each attempt to ``on_attempt``."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        retry_initial_s: float,
        retry_max_s: float,
        on_attempt: Callable[[str], None] = lambda outcome: None,
    ) -> None:
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = max(retry_max_s, retry_initial_s)
        self.on_attempt = on_attempt

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        >>> client = AlertmanagerClient("http://am", timeout_s=1, retry_initial_s=0.5,
        ...                             retry_max_s=4)
        >>> [client.backoff(n) for n in range(1, 6)]
        [0.5, 1.0, 2.0, 4.0, 4.0]
        """
        return float(min(self.retry_max_s, self.retry_initial_s * 2 ** (attempt - 1)))

    async def post(self, build: Callable[[], Sequence[dict[str, Any]]], stop: asyncio.Event) -> int:
        """Post ``build()`` (called again for every attempt, so that endsAt is computed at send
        time) until accepted; the number of attempts. Raises ``AlertmanagerRejected`` on a 4xx
        and ``NotifyStopped`` when ``stop`` is set before Alertmanager accepted."""
        attempt = 0
        while True:
            attempt += 1
            try:
                await asyncio.to_thread(post_alerts_once, self.base_url, build(), self.timeout_s)
            except urllib.error.HTTPError as exc:
                body = exc.read()[:300].decode(errors="replace")
                if 400 <= exc.code < 500 and exc.code not in _RETRIED_4XX:
                    self.on_attempt("rejected")
                    raise AlertmanagerRejected(f"Alertmanager answered {exc.code}: {body}") from exc
                self.on_attempt("failed")
                log.warning("Alertmanager answered %d (attempt %d): %s", exc.code, attempt, body)
            except (urllib.error.URLError, OSError) as exc:
                self.on_attempt("failed")
                log.warning("Alertmanager unreachable (attempt %d): %s", attempt, exc)
            else:
                self.on_attempt("accepted")
                return attempt
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.backoff(attempt))
            except TimeoutError:
                continue
            raise NotifyStopped("stopped before Alertmanager accepted the alerts")
