"""Run a worker as a child process and talk to its HTTP endpoints (demo, tests, benchmarks)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from prometheus_client.parser import text_string_to_metric_families

from stream_app.broker import free_port


def settings_env(bootstrap: str, **overrides: str) -> dict[str, str]:
    """Environment for a child process: the current one plus CRISISWATCH_* overrides.

    ``settings_env("h:1", app__id="x")`` sets ``CRISISWATCH_APP__ID=x``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISWATCH_")}
    env["CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS"] = bootstrap
    for key, value in overrides.items():
        env[f"CRISISWATCH_{key.upper()}"] = value
    return env


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class WorkerProcess:
    """``crisiswatch worker`` in a child process with its web port and log file."""

    subcommand = "worker"
    port_variable = "CRISISWATCH_WEB__PORT"

    def __init__(self, env: Mapping[str, str], log_path: Path, web_port: int | None = None) -> None:
        self.web_port = web_port or free_port()
        self.env = dict(env)
        self.env[self.port_variable] = str(self.web_port)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the worker's endpoints."""
        return f"http://127.0.0.1:{self.web_port}"

    def start(self) -> Self:
        """Start the worker (does not wait for readiness)."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stream_app", self.subcommand],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def alive(self) -> bool:
        """True while the child runs."""
        return self.process is not None and self.process.poll() is None

    def rss_mb(self) -> float:
        """Resident memory of the running worker in MB (from /proc)."""
        if self.process is None:
            raise RuntimeError("worker not started")
        return rss_mb(self.process.pid)

    def get(self, path: str, timeout: float = 2.0) -> tuple[int, str]:
        """GET a path of the worker; (status, body), or (0, error) when unreachable."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except (urllib.error.URLError, OSError) as exc:
            return 0, str(exc)

    def entity(self, key: str) -> dict[str, Any] | None:
        """The worker's stored state of entity ``key`` (``brand:acme``), or None if it has none."""
        status, body = self.get("/entity?" + urllib.parse.urlencode({"key": key}))
        if status == 404:
            return None
        if status != 200:
            raise RuntimeError(f"/entity answered {status}: {body[:200]}")
        facts: dict[str, Any] = json.loads(body)
        return facts

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until /readyz answers 200; raise with the log tail if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"worker exited early:\n{self.log_tail()}")
            if self.get("/readyz")[0] == 200:
                return
            time.sleep(0.2)
        raise TimeoutError(f"worker not ready after {timeout}s:\n{self.log_tail()}")

    def metric(self, name: str, labels: Mapping[str, str] | None = None) -> float:
        """Sum of the samples called ``name`` whose labels include ``labels`` (0 when absent)."""
        status, body = self.get("/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}: {body[:200]}")
        wanted = dict(labels or {})
        total = 0.0
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                if sample.name == name and wanted.items() <= sample.labels.items():
                    total += sample.value
        return total

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the worker's log."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait (SIGKILL after ``timeout``); return the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)

    def wait_exit(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds for the worker to end; its exit code, or None."""
        if self.process is None:
            return None
        try:
            return int(self.process.wait(timeout=timeout))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """SIGKILL the worker at once (crash tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class NotifyProcess(WorkerProcess):
    """``crisiswatch notify`` in a child process: its /metrics /healthz /readyz port, its log."""

    subcommand = "notify"
    port_variable = "CRISISWATCH_NOTIFY__PORT"
