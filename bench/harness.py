"""One worker on a fresh embedded broker, for the benchmarks that drive a real worker."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from stream_app.broker import EmbeddedBroker
from stream_app.process import WorkerProcess, settings_env
from stream_app.settings import Settings


@dataclass
class Rig:
    """The settings, broker address and worker of one benchmark run."""

    settings: Settings
    bootstrap: str
    worker: WorkerProcess
    tmp: Path

    def restart(self) -> WorkerProcess:
        """Stop the worker (SIGTERM) and start a new one on the same app id, data and broker
        (not waiting for readiness); the new one is stopped on exit."""
        self.worker.stop()
        self.worker = WorkerProcess(self.worker.env, self.worker.log_path).start()
        return self.worker


@contextmanager
def worker_rig(prefix: str, **overrides: str) -> Iterator[Rig]:
    """Start the embedded broker with the topics and a ready worker (``overrides`` are settings
    as ``section__key=value``); stop both on exit."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings()
    with EmbeddedBroker(log_path=tmp / "broker.log") as broker:
        broker.create_topics(settings)
        env = settings_env(broker.bootstrap, app__data_dir=str(tmp / "data"), **overrides)
        rig = Rig(settings, broker.bootstrap, WorkerProcess(env, tmp / "worker.log").start(), tmp)
        try:
            rig.worker.wait_ready(timeout=120)
            yield rig
        finally:
            rig.worker.stop()


def scrape(worker: WorkerProcess, *names: str) -> list[float]:
    """One /metrics scrape: the sum of every sample of each of ``names`` (one scrape instead of
    one per name: rendering /metrics costs the worker CPU)."""
    status, body = worker.get("/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}: {body[:200]}")
    totals = dict.fromkeys(names, 0.0)
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name in totals:
                totals[sample.name] += sample.value
    return [totals[name] for name in names]
