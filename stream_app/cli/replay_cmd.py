"""``crisiswatch replay EVENTS.jsonl --out ALERTS.jsonl``: the whole detection offline."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections import Counter
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from tqdm import tqdm

from stream_app.cli.common import add_config_option, settings_from

if TYPE_CHECKING:
    from detectors.detect.campaigns import Calendar
    from detectors.replay import Replay
    from stream_app.settings import Settings

PROGRESS_MIN_BYTES = 5_000_000
CHUNK_LINES = 4_096  # lines decoded and bucketed at once
READ_BYTES = 1 << 20  # input read a block of about this size at a time


def summary_line(run: Replay) -> str:
    """One line: events, rejections, alerts by kind and status."""
    by_kind: Counter[str] = Counter()
    for (kind, _), n in run.alerts.items():
        by_kind[kind] += n
    parts = [
        f"{kind} {by_kind[kind]} ("
        + ", ".join(f"{status} {n}" for (k, status), n in sorted(run.alerts.items()) if k == kind)
        + ")"
        for kind in sorted(by_kind)
    ]
    rejected = sum(run.rejected.values())
    alerts = sum(run.alerts.values())
    detail = "; ".join(parts) if parts else "none"
    return (
        f"replayed {run.events} events ({rejected} rejected), {run.summaries} bucket summaries"
        f" -> {alerts} alert messages: {detail}"
    )


def topic_of_type(settings: Settings) -> list[int]:
    """The input topic of each event type (view, like, comment, share, reaction) as its index
    in ``settings.topics.inputs``, the order stage 1 breaks ties in (its first occurrence)."""
    topics = settings.topics
    by_type = [topics.views, topics.likes, topics.comments, topics.shares, topics.reactions]
    return [topics.inputs.index(name) for name in by_type]


def new_replay(settings: Settings, partitions: int | None = None) -> Replay:
    """An offline replay configured as a worker with ``settings`` would bucket and detect
    (``partitions`` per input topic: by default ``kafka.partitions``)."""
    from detectors.replay import Replay  # imported on use: keeps `crisiswatch --help` light

    return Replay(
        settings.windows,
        settings.detection,
        user_id_salt=settings.ingest.user_id_salt,
        max_past_ms=settings.ingest.max_past_ms,
        dedup_horizon_ms=settings.ingest.dedup_horizon_ms,
        partitions=partitions or settings.kafka.partitions,
        topic_of_type=topic_of_type(settings),
    )


def _chunks(source: IO[bytes], bar: tqdm[Any]) -> Iterator[list[bytes]]:
    """Non-blank lines of ``source`` in chunks of at most ``CHUNK_LINES`` (read a block at a
    time: per-line reads and progress updates cost a replay about a tenth of its time)."""
    chunk: list[bytes] = []
    while block := source.readlines(READ_BYTES):
        bar.update(sum(map(len, block)))
        chunk.extend(line for line in block if not line.isspace())
        while len(chunk) >= CHUNK_LINES:
            yield chunk[:CHUNK_LINES]
            del chunk[:CHUNK_LINES]
    if chunk:
        yield chunk


def _replay(
    args: argparse.Namespace, settings: Settings, source: IO[bytes], out: IO[bytes], size: int
) -> Replay:
    from detectors.contract.alerts import encode_alert

    run = new_replay(settings, args.partitions)
    if args.calendar is not None:
        run.engine.set_calendar(_calendar(args.calendar))
    show = not args.no_progress and (args.progress or size >= PROGRESS_MIN_BYTES)
    bar = tqdm(total=size or None, unit="B", unit_scale=True, disable=not show, file=sys.stderr)
    with bar:
        bar.set_description("scan")  # the first pass: where each shard's merge may go
        run.prescan(_chunks(source, bar))
        source.seek(0)
        bar.reset()
        bar.set_description("replay")
        if args.processes == 2:
            from stream_app.cli.replay_processes import replay_two_processes

            def progress(alerts: int) -> None:
                bar.set_postfix_str(f"{run.events:,} events, {alerts:,} alerts")

            replay_two_processes(run, _chunks(source, bar), out, progress)
            return run
        for chunk in _chunks(source, bar):
            out.writelines(encode_alert(alert) + b"\n" for alert in run.feed_many(chunk))
            bar.set_postfix_str(f"{run.events:,} events, {sum(run.alerts.values()):,} alerts")
        out.writelines(encode_alert(alert) + b"\n" for alert in run.finish())
    return run


def _calendar(path: str) -> Calendar:
    from detectors.detect.campaigns import calendar_from_lines

    with open(path, "rb") as lines:
        return calendar_from_lines(lines)


def run(args: argparse.Namespace) -> int:
    """Replay a JSONL file of events and write one alert per line."""
    if args.calendar is not None:
        try:
            _calendar(args.calendar)
        except (OSError, ValueError) as exc:
            print(f"crisiswatch replay: --calendar {args.calendar}: {exc}", file=sys.stderr)
            return 2
    from stream_app.cli.replay_processes import DetectionProcessError, default_processes
    from stream_app.gc_tuning import tuned_gc

    if args.processes is None:
        args.processes = default_processes()
    if args.events == "-":  # read twice (a scan first): kept in memory
        source: IO[bytes] = io.BytesIO(sys.stdin.buffer.read())
        size = 0
    else:
        if not os.path.isfile(args.events):
            print(f"crisiswatch replay: no such file: {args.events}", file=sys.stderr)
            return 2
        source = open(args.events, "rb")  # noqa: SIM115
        size = os.path.getsize(args.events)
    try:
        # the worker's GC thresholds: ~15% off stage 1's CPU (many short-lived containers)
        settings = settings_from(args)
        with tuned_gc(settings.app.gc_gen0_threshold):
            if args.out == "-":
                result = _replay(args, settings, source, sys.stdout.buffer, size)
            else:
                with open(args.out, "wb") as out:
                    result = _replay(args, settings, source, out, size)
    except DetectionProcessError as exc:
        print(f"crisiswatch replay: {exc} (its traceback is above)", file=sys.stderr)
        return 1
    finally:
        source.close()
    if not args.quiet:
        print(summary_line(result), file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``replay`` subcommand."""
    parser = subparsers.add_parser(
        "replay",
        help="run the whole detection offline over a JSONL file of events (event time)",
        description="Decode, bucket and score the events of a JSONL file (one event or JSON "
        "array per line) with the same code as the worker, in event time, and write the alerts "
        "as JSON lines. Deterministic: the same file always gives the same alerts.",
    )
    add_config_option(parser)
    parser.add_argument("events", metavar="EVENTS.jsonl", help="input events ('-' = stdin)")
    parser.add_argument(
        "--out", "-o", metavar="ALERTS.jsonl", default="-", help="output alerts (default stdout)"
    )
    parser.add_argument(
        "--calendar",
        metavar="ENTRIES.jsonl",
        help="planned campaigns and sensitivity, one calendar entry per line (as "
        "crisiswatch calendar list --json prints them)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        choices=(1, 2),
        default=None,
        help="2: detect in a second process while this one decodes and buckets (same output, "
        "about half the wall time); default 2 on a machine with 2 or more CPUs",
    )
    parser.add_argument(
        "--partitions",
        type=int,
        default=None,
        metavar="N",
        help="partitions per input topic the events are routed to, as a producer keyed by "
        "post id would (stage 1 orders each topic-partition's events on its own); default: "
        "kafka.partitions of the settings",
    )
    parser.add_argument("--progress", action="store_true", help="always show a progress bar")
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary line on stderr")
    parser.set_defaults(func=run)
