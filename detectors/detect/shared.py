"""Shared per-level multivariate models (advisory): ONE River ``HalfSpaceTrees`` per level over
normalised features, with an empirical calibrator.

Their scores appear in each alert's ``detectors`` field and explanation, but never decide alert
ids, sequences, statuses, kinds or severities: they learn from every brand in arrival order,
and alert decisions must depend only on a brand's own history (streaming/replay parity).
"""

from __future__ import annotations

import math
import pickle

from river import anomaly

from detectors.detect.calibration import QuantileCalibrator, clip01


def features(
    *,
    count: float,
    expected: float,
    ratio: float,
    ratio_baseline: float,
    sentiment: float,
    sentiment_baseline: float,
    author_share: float,
) -> dict[str, float]:
    """Normalised features in [0, 1] (0.5 = as expected).

    >>> f = features(count=10, expected=10, ratio=0.1, ratio_baseline=0.1, sentiment=0.2,
    ...              sentiment_baseline=0.2, author_share=0.9)
    >>> f["volume"], f["negative"], f["sentiment"]
    (0.5, 0.5, 0.5)
    """
    return {
        "volume": clip01(0.5 + math.log2((count + 1.0) / (expected + 1.0)) / 8.0),
        "negative": clip01(0.5 + (ratio - ratio_baseline)),
        "sentiment": clip01(0.5 + (sentiment_baseline - sentiment) / 2.0),
        "authors": clip01(author_share),
    }


class SharedModels:
    """One HalfSpaceTrees and one calibrator per level; picklable snapshot for injection.

    >>> shared = SharedModels(seed=1)
    >>> x = {"volume": 0.5, "negative": 0.5, "sentiment": 0.5, "authors": 0.9}
    >>> 0.0 <= shared.score_learn("post", x) <= 1.0
    True
    >>> SharedModels.restore(shared.snapshot()).seed
    1
    """

    def __init__(
        self,
        seed: int = 42,
        n_trees: int = 10,
        height: int = 6,
        window_size: int = 250,
        learn_every: int = 8,
    ) -> None:
        self.seed = seed
        self.n_trees = n_trees
        self.height = height
        self.window_size = window_size
        self.learn_every = learn_every
        self.models: dict[str, anomaly.HalfSpaceTrees] = {}
        self.calibrators: dict[str, QuantileCalibrator] = {}
        self.seen: dict[str, int] = {}

    def _model(self, level: str) -> anomaly.HalfSpaceTrees:
        model = self.models.get(level)
        if model is None:
            model = anomaly.HalfSpaceTrees(
                n_trees=self.n_trees,
                height=self.height,
                window_size=self.window_size,
                seed=self.seed,
            )
            self.models[level] = model
            self.calibrators[level] = QuantileCalibrator()
        return model

    def observe(self, level: str, x: dict[str, float]) -> None:
        """Offer one entity-bucket; every ``learn_every``-th per level is scored and learned
        (a deterministic subsample: HalfSpaceTrees costs tens of microseconds per call)."""
        if self.offer(level):
            self.learn(level, x)

    def offer(self, level: str) -> bool:
        """Count one entity-bucket at ``level`` without its features: True when it is one to
        learn (then pass its features to :meth:`learn`), as :meth:`observe` would."""
        n = self.seen.get(level, 0)
        self.seen[level] = n + 1
        return n % self.learn_every == 0

    def learn(self, level: str, x: dict[str, float]) -> None:
        """Score and learn ``x`` (an entity-bucket that :meth:`offer` chose)."""
        model = self._model(level)
        self.calibrators[level].learn_one(float(model.score_one(x)))  # type: ignore[no-untyped-call]
        model.learn_one(x)  # type: ignore[no-untyped-call]

    def score_one(self, level: str, x: dict[str, float]) -> float:
        """Calibrated score of ``x`` at ``level`` in [0, 1] (the share of learned scores below)."""
        model = self._model(level)
        raw = float(model.score_one(x))  # type: ignore[no-untyped-call]
        return self.calibrators[level].score_one(raw)

    def score_learn(self, level: str, x: dict[str, float]) -> float:
        """:meth:`score_one` then :meth:`observe`."""
        score = self.score_one(level, x)
        self.observe(level, x)
        return score

    def snapshot(self) -> bytes:
        """The models as bytes (pickle) to store or inject elsewhere."""
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def restore(cls, data: bytes) -> SharedModels:
        """Models from :meth:`snapshot` (trusted input only: pickle)."""
        shared = pickle.loads(data)
        if not isinstance(shared, cls):
            raise TypeError("not a SharedModels snapshot")
        return shared
