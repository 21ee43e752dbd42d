"""A real Prometheus server for tests and demos: rewritten config, HTTP API queries.

The repository's ``prometheus.yml`` and rule files are loaded by the caller (as dicts) and
rewritten here: scrape targets pointed at local workers, short scrape and evaluation intervals,
and optionally shorter ``for:`` durations so alerts fire within a test. Files are written as
JSON, which Prometheus reads as YAML.
"""

from __future__ import annotations

import copy
import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stream_app.broker import free_port
from tests.tools.local_server import LocalServer, LocalServerError


class PrometheusError(LocalServerError):
    """The Prometheus server could not start or answered with an error."""


def rewrite_config(
    config: Mapping[str, Any],
    targets: Mapping[str, Sequence[str]],
    rule_files: Sequence[str | Path],
    *,
    scrape_interval: str = "1s",
    evaluation_interval: str = "1s",
) -> dict[str, Any]:
    """A copy of ``config`` whose jobs named in ``targets`` scrape those targets only.

    Jobs not named in ``targets`` are dropped (e.g. Prometheus scraping itself); a job named
    in ``targets`` but missing from ``config`` raises ``KeyError``.
    """
    rewritten = copy.deepcopy(dict(config))
    rewritten["global"] = dict(rewritten.get("global", {}))
    rewritten["global"]["scrape_interval"] = scrape_interval
    rewritten["global"]["scrape_timeout"] = scrape_interval
    rewritten["global"]["evaluation_interval"] = evaluation_interval
    rewritten["rule_files"] = [str(path) for path in rule_files]
    jobs = []
    for job in rewritten.get("scrape_configs", []):
        if job["job_name"] in targets:
            job = dict(job)
            job["static_configs"] = [{"targets": list(targets[job["job_name"]])}]
            job.pop("scrape_interval", None)
            job.pop("scrape_timeout", None)
            jobs.append(job)
    missing = set(targets) - {job["job_name"] for job in jobs}
    if missing:
        raise KeyError(f"no scrape job named {sorted(missing)} in the config")
    rewritten["scrape_configs"] = jobs
    return rewritten


def shorten_for(rules: Mapping[str, Any], durations: Mapping[str, str]) -> dict[str, Any]:
    """A copy of a rules file whose alerts named in ``durations`` get that ``for:`` value."""
    rewritten = copy.deepcopy(dict(rules))
    for group in rewritten["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") in durations:
                rule["for"] = durations[rule["alert"]]
    return rewritten


class PrometheusServer(LocalServer):
    """``prometheus`` on a free loopback port with its own storage under ``workdir``."""

    def __init__(
        self,
        config: Mapping[str, Any],
        workdir: Path,
        *,
        binary: str | None = None,
        start_timeout_s: float = 60.0,
    ) -> None:
        workdir = Path(workdir)
        super().__init__(workdir, free_port(), workdir / "prometheus.log", start_timeout_s)
        self.binary = binary or shutil.which("prometheus") or ""
        if not self.binary:
            raise PrometheusError("prometheus not found on PATH: run scripts/ensure-prometheus.sh")
        self.config_path = self.workdir / "prometheus.yml"
        self.config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")

    name = "prometheus"
    error = PrometheusError

    def command(self) -> list[str]:
        """``prometheus`` with the rewritten config and storage under the work directory."""
        return [
            self.binary,
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=1h",
            "--log.level=warn",
        ]

    def api(self, path: str, **params: str) -> Any:
        """GET ``/api/v1/<path>``; the ``data`` of a successful answer."""
        query = urllib.parse.urlencode(params)
        url = f"{self.url}/api/v1/{path}" + (f"?{query}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read() or b"{}")
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('error', body)}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query: the result vector (scalars become a one-element list)."""
        data = self.api("query", query=expr)
        if data["resultType"] in {"scalar", "string"}:
            return [{"metric": {}, "value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    def alerts(self) -> list[dict[str, Any]]:
        """Active (pending or firing) alerts."""
        alerts: list[dict[str, Any]] = self.api("alerts")["alerts"]
        return alerts

    def targets_up(self) -> dict[str, str]:
        """Health of each active scrape target, by scrape URL."""
        targets = self.api("targets")["activeTargets"]
        return {t["scrapeUrl"]: t["health"] for t in targets}
