"""Columnar simulated events and the vectorised sampler that turns expected rates into events.

Events are held as parallel numpy arrays (one row per event) until a writer serialises them, so
generating a million events costs a few numpy calls rather than a million Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stream_app.simulate.texts import LANG_WEIGHTS, draw_texts

TYPES: tuple[str, ...] = ("view", "like", "comment", "share", "reaction")
VIEW, LIKE, COMMENT, SHARE, REACTION = range(5)
REACTIONS: tuple[str, ...] = (
    "love",
    "haha",
    "wow",
    "sad",
    "angry",
    "dislike",
    "report",
    "hide",
    "unfollow",
)
NEGATIVE_REACTIONS: frozenset[str] = frozenset(
    {"angry", "sad", "dislike", "report", "hide", "unfollow"}
)
NEGATIVE_REACTION_MASK: np.ndarray = np.array([r in NEGATIVE_REACTIONS for r in REACTIONS])
NEGATIVE_SENTIMENT = -0.3


@dataclass(frozen=True)
class Mood:
    """How the audience reacts: reaction mix, comment sentiment, how often text is attached."""

    reaction_p: tuple[float, ...] = (0.55, 0.16, 0.135, 0.06, 0.05, 0.02, 0.005, 0.01, 0.01)
    sentiment_mean: float = 0.25
    sentiment_sd: float = 0.35
    text_only: float = 0.15  # comments carrying text and no sentiment (exercise the scorer)
    text_with_sentiment: float = 0.25  # comments carrying both
    share_text: float = 0.2  # shares carrying a (text-only) comment
    view_user: float = 0.5  # views carrying a user_id
    lang_weights: tuple[float, ...] = LANG_WEIGHTS  # en, fr, de share of texts


CALM = Mood()
ANGRY = Mood(
    reaction_p=(0.03, 0.03, 0.02, 0.12, 0.45, 0.15, 0.08, 0.05, 0.07),
    sentiment_mean=-0.6,
    sentiment_sd=0.25,
    share_text=0.6,
)


@dataclass(frozen=True)
class Users:
    """Who acts: a large population with zipf-like activity, or a handful of bot accounts."""

    population: int = 200_000
    skew: float = 2.5  # rank = population * u**skew: the top 1% of users act ~16% of the time
    bots: int = 0  # > 0: uniform over this many accounts outside the population
    bot_offset: int = 0

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` user numbers (int64)."""
        if self.bots > 0:
            base = self.population + 1_000_003 + self.bot_offset
            return base + rng.integers(0, self.bots, size=n, dtype=np.int64)
        rank = (self.population * rng.random(n) ** self.skew).astype(np.int64)
        # Scatter ranks over the id space so heavy users are not simply u0, u1, ...
        return ((rank * 48_271 + 11) % self.population).astype(np.int64)


CROWD = Users()


@dataclass
class SimulatedEvents:
    """Simulated events as parallel arrays. Absent values: -1 (ints) and NaN (sentiment)."""

    ts_ms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    etype: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    post: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    user: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    reaction: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    sentiment: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    text: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    _FIELDS = ("ts_ms", "etype", "post", "user", "reaction", "sentiment", "text")

    def __len__(self) -> int:
        return int(self.ts_ms.shape[0])

    def take(self, index: np.ndarray) -> SimulatedEvents:
        """The rows selected by an index array or boolean mask."""
        return SimulatedEvents(*(getattr(self, f)[index] for f in self._FIELDS))

    @classmethod
    def concat(cls, parts: list[SimulatedEvents]) -> SimulatedEvents:
        """All rows of ``parts``, in order."""
        if not parts:
            return cls()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls._FIELDS))

    def sorted(self) -> SimulatedEvents:
        """The rows ordered by event time (stable, so deterministic)."""
        return self.take(np.argsort(self.ts_ms, kind="stable"))

    def negative_mask(self) -> np.ndarray:
        """Which rows are negative per the contract (reaction kind, or sentiment ≤ -0.3)."""
        neg_reaction = (self.reaction >= 0) & NEGATIVE_REACTION_MASK[np.maximum(self.reaction, 0)]
        with np.errstate(invalid="ignore"):
            neg_sent = self.sentiment <= NEGATIVE_SENTIMENT
        return np.asarray(neg_reaction | neg_sent)


def _attributes(
    rng: np.random.Generator, etype: int, n: int, mood: Mood, users: Users
) -> tuple[np.ndarray, ...]:
    """user, reaction, sentiment, text columns for ``n`` events of one type."""
    user = users.draw(rng, n)
    reaction = np.full(n, -1, dtype=np.int8)
    sentiment = np.full(n, np.nan, dtype=np.float32)
    text = np.full(n, -1, dtype=np.int32)
    if etype == VIEW:
        user[rng.random(n) >= mood.view_user] = -1
    elif etype == REACTION:
        reaction = rng.choice(len(REACTIONS), size=n, p=np.asarray(mood.reaction_p)).astype(np.int8)
    elif etype in (COMMENT, SHARE):
        drawn = np.clip(rng.normal(mood.sentiment_mean, mood.sentiment_sd, n), -1.0, 1.0)
        u = rng.random(n)
        if etype == COMMENT:
            has_text = u < mood.text_only + mood.text_with_sentiment
            keep_sentiment = u >= mood.text_only
        else:
            has_text = u < mood.share_text
            keep_sentiment = np.zeros(n, dtype=bool)
        sentiment[keep_sentiment] = np.round(drawn[keep_sentiment], 3)
        text[has_text] = draw_texts(rng, drawn[has_text], mood.lang_weights)
    return user, reaction, sentiment, text


def redraw(
    rng: np.random.Generator, events: SimulatedEvents, rows: np.ndarray, mood: Mood
) -> SimulatedEvents:
    """A copy of ``events`` whose ``rows`` (indices) take new reaction, sentiment and text values
    drawn under ``mood`` (same authors, times and types): baseline traffic turning sour."""
    out = SimulatedEvents(*(getattr(events, f).copy() for f in SimulatedEvents._FIELDS))
    for k in (COMMENT, SHARE, REACTION):
        sel = rows[events.etype[rows] == k]
        if sel.size:
            _user, out.reaction[sel], out.sentiment[sel], out.text[sel] = _attributes(
                rng, k, sel.size, mood, CROWD
            )
    return out


def emit(
    rng: np.random.Generator,
    posts: np.ndarray,
    start_ms: int,
    step_ms: int,
    expected: np.ndarray,
    type_rates: np.ndarray,
    mood: Mood = CALM,
    users: Users = CROWD,
) -> SimulatedEvents:
    """Sample events: ``expected[r, s]`` view-equivalents for post ``posts[r]`` in step ``s``.

    ``type_rates[r, k]`` (or ``type_rates[k]``) scales the intensity for event type ``k``;
    counts are Poisson, times uniform within the step.
    """
    rates = np.broadcast_to(np.asarray(type_rates, dtype=float), (len(posts), len(TYPES)))
    parts: list[SimulatedEvents] = []
    for k in range(len(TYPES)):
        lam = expected * rates[:, k : k + 1]
        counts = rng.poisson(lam)
        rows, steps = np.nonzero(counts)
        reps = counts[rows, steps]
        n = int(reps.sum())
        if n == 0:
            continue
        post = np.repeat(posts[rows], reps).astype(np.int32)
        step = np.repeat(steps, reps).astype(np.int64)
        ts = start_ms + step * step_ms + rng.integers(0, step_ms, size=n, dtype=np.int64)
        user, reaction, sentiment, text = _attributes(rng, k, n, mood, users)
        etype = np.full(n, k, dtype=np.int8)
        parts.append(SimulatedEvents(ts, etype, post, user, reaction, sentiment, text))
    return SimulatedEvents.concat(parts)
