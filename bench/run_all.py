"""Run every benchmark in turn (each prints ratios against a baseline measured in the same run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    ["bench_decode.py"],
    ["bench_bucketer.py"],
    ["bench_replay.py"],
    ["bench_state.py"],
    ["bench_pipeline.py", "--events", "1000000"],
    ["bench_entities.py"],
    ["bench_latency.py", "--quiet"],
]


def main() -> int:
    """Run each benchmark; return non-zero if any failed."""
    failed = 0
    for bench in BENCHES:
        print(f"== {' '.join(bench)}", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / bench[0]), *bench[1:]]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
