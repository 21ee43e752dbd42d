"""A real Alertmanager for tests: ``amtool`` checks, a rewritten config, the server, its API v2.

The repository's ``alertmanager.yml`` is loaded by the caller (as a dict) and rewritten here:
every webhook receiver pointed at a URL of the test, group timers shortened so notifications
arrive within a test. Files are written as JSON, which Alertmanager reads as YAML.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stream_app.broker import free_port
from tests.tools.local_server import LocalServer, LocalServerError

TIMERS = ("group_wait", "group_interval", "repeat_interval")


class AlertmanagerError(LocalServerError):
    """Alertmanager or amtool is missing, did not start, or answered with an error."""


def binary(name: str) -> str:
    """Path of ``amtool`` or of the server (Debian: ``prometheus-alertmanager``)."""
    candidates = ("prometheus-alertmanager", "alertmanager") if name == "server" else (name,)
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    raise AlertmanagerError(f"{name} not found on PATH: run scripts/ensure-alertmanager.sh")


def run_amtool(*args: str, timeout_s: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run ``amtool ARGS`` and capture its output (never raises on a non-zero exit)."""
    return subprocess.run(
        [binary("amtool"), *args], capture_output=True, text=True, timeout=timeout_s, check=False
    )


def routes_test(config: str | Path, labels: Mapping[str, str]) -> list[str]:
    """The receivers ``amtool config routes test`` resolves for an alert with ``labels``."""
    pairs = [f"{key}={value}" for key, value in labels.items()]
    result = run_amtool("config", "routes", "test", f"--config.file={config}", *pairs)
    if result.returncode != 0:
        raise AlertmanagerError(f"amtool routes test {pairs}: {result.stdout}{result.stderr}")
    return [name.strip() for name in result.stdout.strip().split(",") if name.strip()]


def rewrite_config(
    config: Mapping[str, Any], webhook_url: str, timers: Mapping[str, str]
) -> dict[str, Any]:
    """A copy of ``config``: every receiver a webhook to ``webhook_url`` (its other integrations
    dropped), every route's timers that ``timers`` names set to those values."""
    rewritten = copy.deepcopy(dict(config))
    for receiver in rewritten["receivers"]:
        send_resolved = all(
            w.get("send_resolved", True) for w in receiver.get("webhook_configs", [])
        )
        for key in [k for k in receiver if k.endswith("_configs")]:
            del receiver[key]
        receiver["webhook_configs"] = [{"url": webhook_url, "send_resolved": send_resolved}]

    def shorten(route: dict[str, Any]) -> None:
        for timer, value in timers.items():
            if timer in route or route is rewritten["route"]:
                route[timer] = value
        for child in route.get("routes", []):
            shorten(child)

    shorten(rewritten["route"])
    return rewritten


class AlertmanagerServer(LocalServer):
    """Alertmanager on a free loopback port, HA off, its storage (silences, notification log)
    under ``workdir`` so that a restart keeps them."""

    def __init__(
        self, config: Mapping[str, Any], workdir: Path, *, start_timeout_s: float = 60.0
    ) -> None:
        workdir = Path(workdir)
        super().__init__(workdir, free_port(), workdir / "alertmanager.log", start_timeout_s)
        self.binary = binary("server")
        self.config_path = self.workdir / "alertmanager.yml"
        self.config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")

    name = "alertmanager"
    error = AlertmanagerError

    def command(self) -> list[str]:
        """Alertmanager with HA off and its storage under the work directory."""
        return [
            self.binary,
            f"--config.file={self.config_path}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",
            "--log.level=info",
        ]

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """``method /api/v2/<path>`` with a JSON body; the decoded JSON answer (None if empty)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/api/v2/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise AlertmanagerError(f"{method} {path}: {exc.code} {exc.read()[:300]!r}") from exc
        return json.loads(raw) if raw.strip() else None

    def alerts(self, **filters: str) -> list[dict[str, Any]]:
        """Alerts Alertmanager holds (``GET /api/v2/alerts``, e.g. ``active="true"``)."""
        query = "&".join(f"{key}={value}" for key, value in filters.items())
        found: list[dict[str, Any]] = self.request("GET", "alerts" + (f"?{query}" if query else ""))
        return found

    def silence(self, matchers: Mapping[str, str], minutes: float, comment: str) -> str:
        """Create a silence of exact-match ``matchers`` (``POST /api/v2/silences``); its id."""
        now = time.time()
        body = {
            "matchers": [
                {"name": name, "value": value, "isRegex": False, "isEqual": True}
                for name, value in matchers.items()
            ],
            "startsAt": _iso(now),
            "endsAt": _iso(now + minutes * 60),
            "createdBy": "crisiswatch tests",
            "comment": comment,
        }
        answer: dict[str, str] = self.request("POST", "silences", body)
        return answer["silenceID"]


def _iso(seconds: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        + f".{int(seconds % 1 * 1000):03d}Z"
    )
