"""Serialise simulated events to contract JSON (JSONL files, Kafka values) and labels to JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

import msgspec
import numpy as np

from stream_app.simulate.columns import COMMENT, REACTIONS, TYPES
from stream_app.simulate.episodes import Label
from stream_app.simulate.scenarios import Simulation
from stream_app.simulate.small_regime import OMIT_HASHTAGS, OMIT_LANG, OMIT_PLATFORM, OMIT_USER
from stream_app.simulate.texts import LANGS, TEXT_LANG, TEXTS

_TEXT_PART = tuple(
    f',"text":{json.dumps(t, ensure_ascii=False)},"lang":"{LANGS[int(TEXT_LANG[i])]}"'
    for i, t in enumerate(TEXTS)
)
_REACTION_PART = tuple(f',"reaction":"{r}"' for r in REACTIONS)
_TYPE_PART = tuple(f'"type":"{t}"' for t in TYPES)


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def post_fragments(sim: Simulation) -> list[str]:
    """Per post: the JSON members brand, post_id, platform, hashtags (no braces)."""
    posts = sim.posts
    return [
        f'"brand":{json.dumps(posts.brand[i])},"post_id":{json.dumps(posts.post_id[i])},'
        f'"platform":{json.dumps(posts.platform[i])},"hashtags":{_compact(list(posts.hashtags[i]))}'
        for i in range(len(posts))
    ]


def _timestamps(ts: np.ndarray, lo: int) -> list[str]:
    """Epoch milliseconds for most rows, RFC 3339 strings for every third row (both allowed)."""
    out = [str(t) for t in ts.tolist()]
    rows = np.nonzero((np.arange(lo, lo + len(ts)) % 3) == 1)[0]
    if rows.size:
        rfc = np.datetime_as_string(ts[rows].astype("datetime64[ms]"), unit="ms")
        for r, s in zip(rows.tolist(), rfc.tolist(), strict=True):
            out[r] = f'"{s}Z"'
    return out


def _extras(sim: Simulation, lo: int, hi: int) -> list[str]:
    """user_id, reaction, sentiment, text and lang members of rows ``lo:hi``."""
    ev = sim.events
    users = [f',"user_id":"u{u}"' if u >= 0 else "" for u in ev.user[lo:hi].tolist()]
    etype = ev.etype[lo:hi]
    sentiment = np.round(ev.sentiment[lo:hi].astype(np.float64), 3)
    reaction, text = ev.reaction[lo:hi], ev.text[lo:hi]
    for j in np.nonzero(etype >= COMMENT)[0].tolist():
        part = users[j]
        if reaction[j] >= 0:
            part += _REACTION_PART[int(reaction[j])]
        if not np.isnan(sentiment[j]):
            part += f',"sentiment":{float(sentiment[j])!r}'
        if text[j] >= 0:
            part += _TEXT_PART[int(text[j])]
        users[j] = part
    return users


_OMITTED: tuple[tuple[int, str], ...] = (
    (OMIT_PLATFORM, "platform"),
    (OMIT_HASHTAGS, "hashtags"),
    (OMIT_USER, "user_id"),
    (OMIT_LANG, "lang"),
)


def _without(line: str, bits: int) -> str:
    """The JSON object ``line`` without the optional members named by the ``OMIT_*`` bits."""
    obj = json.loads(line)
    for bit, name in _OMITTED:
        if bits & bit:
            obj.pop(name, None)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def json_lines(sim: Simulation, lo: int = 0, hi: int | None = None) -> list[str]:
    """Events ``lo:hi`` as contract JSON objects, one string each (no newline)."""
    hi = len(sim.events) if hi is None else min(hi, len(sim.events))
    if hi <= lo:
        return []
    ev = sim.events
    frags = post_fragments(sim)
    prefix = sim.event_id_prefix
    ts = _timestamps(ev.ts_ms[lo:hi], lo)
    extras = _extras(sim, lo, hi)
    lines = [
        f'{{"event_id":"{prefix}{i}",{_TYPE_PART[k]},"ts":{t},{frags[p]}{x}}}'
        for i, k, t, p, x in zip(
            range(lo, hi),
            ev.etype[lo:hi].tolist(),
            ts,
            ev.post[lo:hi].tolist(),
            extras,
            strict=True,
        )
    ]
    if sim.omit is not None:
        omit = sim.omit[lo:hi]
        for j in np.nonzero(omit)[0].tolist():
            lines[j] = _without(lines[j], int(omit[j]))
    return lines


def iter_chunks(sim: Simulation, chunk: int = 50_000) -> Iterator[tuple[int, int, list[str]]]:
    """``(lo, hi, lines)`` for consecutive chunks of the events."""
    for lo in range(0, len(sim.events), chunk):
        hi = min(lo + chunk, len(sim.events))
        yield lo, hi, json_lines(sim, lo, hi)


def write_jsonl(
    sim: Simulation, out: IO[str] | str | Path, progress: Callable[[int], object] | None = None
) -> int:
    """Write every event as one JSON line; return the number written."""
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8") as handle:
            return write_jsonl(sim, handle, progress)
    written = 0
    for lo, hi, lines in iter_chunks(sim):
        out.write("\n".join(lines))
        out.write("\n")
        written += hi - lo
        if progress is not None:
            progress(hi - lo)
    return written


def write_labels(labels: Iterable[Label], path: str | Path) -> None:
    """Ground truth as a JSON array (``.json``) or one object per line (``.jsonl``)."""
    items = list(labels)
    path = Path(path)
    if path.suffix == ".jsonl":
        path.write_bytes(b"".join(msgspec.json.encode(label) + b"\n" for label in items))
    else:
        path.write_bytes(msgspec.json.format(msgspec.json.encode(items), indent=2) + b"\n")


def read_labels(path: str | Path) -> list[Label]:
    """Labels written by :func:`write_labels` (either format)."""
    data = Path(path).read_bytes()
    if data.lstrip().startswith(b"["):
        return msgspec.json.decode(data, type=list[Label])
    return [msgspec.json.decode(line, type=Label) for line in data.splitlines() if line.strip()]
