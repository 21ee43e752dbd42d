"""Run ``crisiswatch score-series`` over a NAB checkout (``--nab-root``) and record the scores.

Runs NAB's ``eval.py`` once (detector in a subprocess per file, threshold optimised over the
corpus), then re-scores the same results at the engine's fixed alert threshold with ``score.py``
and writes a small JSON summary (default: docs/nab/crisiswatch_nab.json).

    python bench/nab_eval.py --nab-root PATH/TO/NAB [--threshold 0.8] [--out FILE]

Needs pandas<3 (test extras).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")


def _fixed_threshold(nab_root: Path, results: Path, name: str, threshold: float) -> dict[str, Any]:
    sys.path.insert(0, str(nab_root))
    import score as nab_score  # NAB's standalone scorer, read from the NAB root

    corpus = nab_score.Corpus(str(nab_root))
    scores = nab_score.load_detector_scores(str(results), name, corpus.files, corpus)
    res = nab_score.score_detector(
        corpus, scores, corpus.files, categories="all", fixed_threshold=threshold
    )
    std = res["standard"]
    return {
        "threshold": threshold,
        "normalized": {p: round(res[p]["normalized"], 2) for p in PROFILES},
        "standard_by_category": {
            c: round(e["normalized_at_corpus_threshold"], 2)
            for c, e in std["categories"].items()
            if e["normalized_at_corpus_threshold"] == e["normalized_at_corpus_threshold"]
        },
        "standard_rows": {
            k: sum(f[k] for f in std["per_file"].values()) for k in ("TP", "FP", "FN", "TN")
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Evaluate, print both results and write the JSON summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nab-root", type=Path, required=True, help="a NAB checkout (data/, labels/)")
    ap.add_argument("--threshold", type=float, default=0.8, help="engine's fixed alert level")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "nab" / "crisiswatch_nab.json")
    ap.add_argument("--name", default="crisiswatch")
    args = ap.parse_args(argv)
    nab_root = args.nab_root.resolve()
    with tempfile.TemporaryDirectory(prefix="nabrun") as tmp:
        results = Path(tmp)
        cmd = [
            sys.executable, str(nab_root / "eval.py"), "--nab-root", str(nab_root),
            "--name", args.name, "--cmd", "crisiswatch score-series {input} {output}",
            "--results-dir", str(results),
        ]  # fmt: skip
        subprocess.run(cmd, check=True)
        report = json.loads((results / args.name / "nab_eval_summary.json").read_text())
        fixed = _fixed_threshold(nab_root, results, args.name, args.threshold)
    summary = {
        "detector": "crisiswatch score-series (VolumeDetector defaults)",
        "files": report["files"],
        "detect_seconds_wall": round(report["detect_seconds"], 1),
        "optimised": {
            p: {"threshold": round(r["threshold"], 4), "normalized": round(r["corpus"], 2)}
            for p, r in report["own"].items()
        },
        "fixed": fixed,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
