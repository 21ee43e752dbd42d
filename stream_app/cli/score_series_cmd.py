"""``crisiswatch score-series IN.csv OUT.csv``: score a univariate series (NAB format).

Reads ``timestamp,value`` (with a header), runs :class:`detectors.series.volume.VolumeDetector`
with its default parameters row by row (score row t, then learn it) and writes
``timestamp,value,anomaly_score``, one score in [0, 1] per input row. Imports stay light
(csv, datetime, the detector): the command is started once per file by benchmark runners.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Hashable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d")


def parse_epoch_ms(text: str) -> int | None:
    """Epoch milliseconds of a NAB/ISO timestamp (naive = UTC) or of a number; None if unreadable.

    >>> parse_epoch_ms("2014-04-01 00:05:00")
    1396310700000
    >>> parse_epoch_ms("1396310700000")
    1396310700000
    """
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return int(number) if math.isfinite(number) else None
    for fmt in _FORMATS:
        try:
            dt = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return int(dt.replace(tzinfo=UTC).timestamp() * 1000)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def _value(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def score_rows(rows: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str, float]]:
    """Yield ``(timestamp, value, score)`` per ``(timestamp, value)`` row, in order."""
    from detectors.series.volume import VolumeDetector

    model = VolumeDetector()
    for ts_text, value_text in rows:
        x: dict[Hashable, Any] = {"value": _value(value_text)}
        t = parse_epoch_ms(ts_text)
        if t is not None:
            x["t"] = t
        score = model.score_one(x)
        model.learn_one(x)
        yield ts_text, value_text, min(1.0, max(0.0, score))


def _read(handle: TextIO) -> Iterator[tuple[str, str]]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    names = [h.strip().lower() for h in header]
    try:
        ts_col, value_col = names.index("timestamp"), names.index("value")
    except ValueError as exc:
        raise ValueError(f"expected a header with 'timestamp' and 'value', got {header}") from exc
    for row in reader:
        if row:
            yield row[ts_col], row[value_col]


def score_file(src: Path, dst: Path) -> int:
    """Score ``src`` (timestamp,value CSV) into ``dst``; return the number of rows."""
    n = 0
    with src.open(newline="") as fin, dst.open("w", newline="") as fout:
        writer = csv.writer(fout, lineterminator="\n")
        writer.writerow(["timestamp", "value", "anomaly_score"])
        for ts_text, value_text, score in score_rows(_read(fin)):
            writer.writerow([ts_text, value_text, repr(score)])
            n += 1
    return n


def run(args: argparse.Namespace) -> int:
    """Score one file; exit 1 with a message when it cannot be read."""
    try:
        score_file(Path(args.input), Path(args.output))
    except (OSError, ValueError) as exc:
        print(f"crisiswatch score-series: {exc}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: Any) -> None:
    """Add the ``score-series`` subcommand."""
    parser = subparsers.add_parser(
        "score-series",
        help="score a univariate timestamp,value CSV (NAB format) with the volume detector",
        description="Read a timestamp,value CSV with a header (NAB format), score every row "
        "with VolumeDetector from detectors.series, a univariate volume detector kept for series "
        "benchmarks such as NAB (the streaming engine scores entities with its own models; "
        "default parameters; row t is scored before it is "
        "learned) and write timestamp,value,anomaly_score with one score in [0, 1] per row.",
    )
    parser.add_argument("input", metavar="IN.csv", help="input CSV with timestamp,value columns")
    parser.add_argument("output", metavar="OUT.csv", help="output CSV (overwritten)")
    parser.set_defaults(func=run)
