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
from types import TracebackType
from typing import Any

from stream_app.broker import free_port

TIMERS = ("group_wait", "group_interval", "repeat_interval")


class AlertmanagerError(RuntimeError):
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


class AlertmanagerServer:
    """Alertmanager on a free loopback port, HA off, its storage (silences, notification log)
    under ``workdir`` so that a restart keeps them."""

    def __init__(
        self, config: Mapping[str, Any], workdir: Path, *, start_timeout_s: float = 60.0
    ) -> None:
        self.workdir = Path(workdir)
        self.port = free_port()
        self.start_timeout_s = start_timeout_s
        self.binary = binary("server")
        self.config_path = self.workdir / "alertmanager.yml"
        self.config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        self.log_path = self.workdir / "alertmanager.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> AlertmanagerServer:
        """Start the server and wait until /-/ready answers 200."""
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={self.config_path}",
                    f"--storage.path={self.workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--cluster.listen-address=",
                    "--log.level=info",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AlertmanagerError(f"alertmanager exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise AlertmanagerError(f"alertmanager not ready after {self.start_timeout_s}s")

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

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's log."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM (Alertmanager then snapshots silences and the notification log), then
        SIGKILL after 10 s."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> AlertmanagerServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _iso(seconds: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        + f".{int(seconds % 1 * 1000):03d}Z"
    )
