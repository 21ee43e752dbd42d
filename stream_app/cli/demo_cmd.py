"""``crisiswatch demo``: embedded broker, worker, simulated crisis, alerts printed live."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from stream_app.broker import EmbeddedBroker
from stream_app.cli.alert_format import format_alert
from stream_app.cli.common import add_config_option, settings_from
from stream_app.kafka import client_kwargs
from stream_app.process import WorkerProcess, settings_env
from stream_app.settings import Settings


def _say(text: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {text}", flush=True)


class Demo:
    """Owns the demo's processes and prints what the engine does."""

    def __init__(self, settings: Settings, args: argparse.Namespace) -> None:
        self.settings = settings
        self.args = args
        self.out = Path(args.out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.alerts: Counter[tuple[str, str]] = Counter()
        self.colour = sys.stdout.isatty()

    async def print_alerts(self, bootstrap: str) -> None:
        consumer = AIOKafkaConsumer(
            self.settings.topics.alerts,
            **client_kwargs(self.settings.kafka, bootstrap),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            fetch_max_wait_ms=100,
        )
        await consumer.start()
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        alert = json.loads(record.value)
                        self.alerts[(alert.get("kind", "?"), alert.get("status", "?"))] += 1
                        print("  ALERT " + format_alert(alert, self.colour), flush=True)
        finally:
            await consumer.stop()

    async def print_progress(self, worker: WorkerProcess, every_s: float) -> None:
        last_total, last_time = 0.0, time.monotonic()
        while True:
            await asyncio.sleep(every_s)
            total = worker.metric("crisiswatch_events_total")
            now = time.monotonic()
            rate = (total - last_total) / max(now - last_time, 1e-9)
            last_total, last_time = total, now
            by_type = {
                t: int(worker.metric("crisiswatch_events_total", {"type": t}))
                for t in ("view", "like", "comment", "share", "reaction")
            }
            _say(
                f"events {int(total):>9,} ({rate:>8,.0f}/s)  "
                + " ".join(f"{t}={n:,}" for t, n in by_type.items())
                + f"  rejected={int(worker.metric('crisiswatch_events_rejected_total'))}"
                + f"  buckets={int(worker.metric('crisiswatch_buckets_emitted_total'))}"
                + f"  open alerts={int(worker.metric('crisiswatch_open_alerts'))}"
            )

    async def watch(self, worker: WorkerProcess, simulator: subprocess.Popen[bytes]) -> None:
        tasks = [
            asyncio.create_task(
                self.print_alerts(worker.env["CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS"])
            ),
            asyncio.create_task(self.print_progress(worker, self.args.progress_every)),
        ]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        deadline = time.monotonic() + self.args.duration if self.args.duration > 0 else None
        announced = False
        try:
            while not stop.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    _say(f"duration of {self.args.duration:.0f}s reached")
                    break
                if not worker.alive():
                    _say("the worker exited unexpectedly; last lines of its log:")
                    print(worker.log_tail(), flush=True)
                    raise SystemExit(1)
                if simulator.poll() is not None and not announced:
                    announced = True
                    _say(f"simulator finished (exit {simulator.returncode}); engine keeps running")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=0.5)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def run(self) -> int:
        settings = self.settings
        with EmbeddedBroker(log_path=self.out / "broker.log") as broker:
            broker.create_topics(settings)
            _say(f"embedded Kafka-compatible broker (Tansu) on {broker.bootstrap}")
            _say(
                f"topics created ({settings.kafka.partitions} partitions): "
                + ", ".join(settings.topics.all)
            )
            env = settings_env(
                broker.bootstrap,
                app__data_dir=str(self.out / "worker-data"),
                kafka__session_timeout_ms="6000",
            )
            worker = WorkerProcess(env, self.out / "worker.log", web_port=self.args.web_port)
            worker.start()
            _say(f"starting worker (log: {worker.log_path}) ...")
            worker.wait_ready(timeout=120)
            _say(f"worker ready: metrics at {worker.url}/metrics, probes /healthz /readyz")
            sim_cmd = [
                sys.executable, "-m", "stream_app", "simulate",
                "--scenario", self.args.scenario,
                "--seed", str(self.args.seed),
                "--bootstrap", broker.bootstrap,
                "--speed", str(self.args.speed),
                "--history", str(self.args.history),
                "--scale", str(self.args.scale),
                "--labels", str(self.out / "labels.json"),
            ]  # fmt: skip
            with open(self.out / "simulator.log", "ab") as sim_log:
                simulator = subprocess.Popen(
                    sim_cmd, env=env, stdout=sim_log, stderr=subprocess.STDOUT
                )
            _say(
                f"simulator: scenario '{self.args.scenario}' at {self.args.speed:g}x event time "
                f"(history burst first; labels: {self.out / 'labels.json'})"
            )
            _say("alerts appear below as the engine emits them; Ctrl-C to stop")
            try:
                asyncio.run(self.watch(worker, simulator))
            finally:
                if simulator.poll() is None:
                    simulator.terminate()
                    simulator.wait(timeout=10)
                code = worker.stop()
                _say(f"worker stopped (exit {code})")
        summary = ", ".join(f"{k}/{s}={n}" for (k, s), n in sorted(self.alerts.items())) or "none"
        _say(f"alert messages seen: {summary}")
        _say(f"logs and labels in {self.out}")
        return 0 if code == 0 else 1


def run(args: argparse.Namespace) -> int:
    """Run the demo until Ctrl-C or ``--duration`` seconds."""
    return Demo(settings_from(args), args).run()


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="run the whole engine locally: embedded broker, worker, simulated crisis, live alerts",
        description="Start the embedded broker, create the topics, start a worker and a traffic "
        "simulator (days of baseline history, then a viral post and a crisis), and print the "
        "engine's throughput and alerts live until Ctrl-C or --duration.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--duration", type=float, default=0, help="stop after N seconds (0: run until Ctrl-C)"
    )
    parser.add_argument("--scenario", default="demo", help="simulator scenario (default: demo)")
    parser.add_argument("--seed", type=int, default=7, help="simulator seed (default: 7)")
    parser.add_argument(
        "--speed", type=float, default=60.0, help="event time per wall second (default: 60x)"
    )
    parser.add_argument(
        "--history",
        type=float,
        default=24,
        help="hours of baseline traffic sent first as a fast burst (default: 24)",
    )
    parser.add_argument(
        "--scale", type=float, default=0.5, help="traffic volume multiplier (default: 0.5)"
    )
    parser.add_argument(
        "--web-port", type=int, default=6066, help="worker web port (default: 6066)"
    )
    parser.add_argument(
        "--progress-every", type=float, default=5.0, help="seconds between status lines"
    )
    parser.add_argument("--out-dir", default="out/demo", help="logs and labels (default: out/demo)")
    parser.set_defaults(func=run)
