"""``crisiswatch score-series``: one score in [0, 1] per row, NAB format in and out."""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from stream_app.cli import main
from stream_app.cli.score_series_cmd import parse_epoch_ms

NAB_DATA = Path(__file__).resolve().parents[3] / "data" / "nab"  # a NAB series shipped (MIT)
NAB_FILE = "realTraffic/speed_t4013.csv"


@pytest.fixture
def series_csv_factory(tmp_path: Path) -> Callable[..., Path]:
    def make(n: int = 1200, spike_at: int | None = 1000, seed: int = 0) -> Path:
        rng = random.Random(seed)
        path = tmp_path / f"series_{seed}.csv"
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["timestamp", "value"])
            for i in range(n):
                v = 100.0 + 10.0 * math.sin(i / 40.0) + rng.gauss(0.0, 1.0)
                if i == spike_at:
                    v = 400.0
                ts = f"2024-01-{1 + i // 288:02d} {(i % 288) // 12:02d}:{(i % 12) * 5:02d}:00"
                w.writerow([ts, f"{v:.3f}"])
        return path

    return make


def _scores(path: Path) -> list[float]:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [float(r["anomaly_score"]) for r in rows]


def test_one_score_per_row_in_unit_interval(
    series_csv_factory: Callable[..., Path], tmp_path: Path
) -> None:
    src, dst = series_csv_factory(), tmp_path / "out.csv"
    assert main(["score-series", str(src), str(dst)]) == 0
    with dst.open(newline="") as f:
        header = next(csv.reader(f))
    assert header == ["timestamp", "value", "anomaly_score"]
    scores = _scores(dst)
    assert len(scores) == 1200
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[1000] > 0.9
    assert max(scores[:1000]) < scores[1000]


def test_output_is_deterministic(series_csv_factory: Callable[..., Path], tmp_path: Path) -> None:
    src = series_csv_factory(seed=3)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    main(["score-series", str(src), str(a)])
    main(["score-series", str(src), str(b)])
    assert a.read_bytes() == b.read_bytes()


def test_bad_header_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("time,x\n1,2\n")
    assert main(["score-series", str(src), str(tmp_path / "o.csv")]) == 1
    assert "timestamp" in capsys.readouterr().err


def test_help_mentions_the_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["score-series", "--help"])
    assert "timestamp,value" in capsys.readouterr().out


def test_parse_epoch_ms() -> None:
    assert parse_epoch_ms("1970-01-01 00:00:01") == 1000
    assert parse_epoch_ms("2011-07-24 14:00:01.000000") == parse_epoch_ms("2011-07-24 14:00:01")
    assert parse_epoch_ms("not a time") is None


def test_scores_a_nab_file(tmp_path: Path) -> None:
    src = NAB_DATA / "speed_t4013.csv"
    dst = tmp_path / "nab.csv"
    assert main(["score-series", str(src), str(dst)]) == 0
    with src.open(newline="") as f:
        stamps = [r["timestamp"] for r in csv.DictReader(f)]
    scores = _scores(dst)
    assert len(scores) == len(stamps)
    assert all(0.0 <= s <= 1.0 for s in scores)
    windows = json.loads((NAB_DATA / "combined_windows.json").read_text())[NAB_FILE]
    fired = [ts for ts, s in zip(stamps, scores, strict=True) if s >= 0.8]
    in_window = [ts for ts in fired if any(a[:19] <= ts <= b[:19] for a, b in windows)]
    assert in_window, "no alert-level score inside a labelled anomaly window"
    assert len(fired) <= 5
