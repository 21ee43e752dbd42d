"""Alert messages as the engine writes them (detectors.contract.alerts), built from a few fields."""

from __future__ import annotations

from typing import Any

from detectors.contract.alerts import Alert, Deviation, Drivers, Explanation, iso_utc

START_MS = 1_709_553_600_000  # 2024-03-04T12:00Z, the simulator's default start
BUCKET_MS = 30_000


def alert_message(
    alert_id: str = "b1",
    status: str = "open",
    bucket: int = 0,
    severity: str = "warning",
    kind: str = "crisis",
    level: str = "brand",
    entity: str = "acme",
    brand: str = "acme",
    parent: str | None = None,
    pattern: str = "organic",
    sequence: int = 1,
    **fields: Any,
) -> Alert:
    """An alert message of bucket number ``bucket`` after ``START_MS``, as the engine writes it
    (a drop-in for Alert(...): any other field can be given)."""
    start = START_MS + bucket * BUCKET_MS
    values: dict[str, Any] = {
        "alert_id": alert_id,
        "sequence": sequence,
        "status": status,
        "kind": kind,
        "severity": severity,
        "level": level,
        "entity": entity,
        "brand": brand,
        "parent_alert_id": parent,
        "window_start": iso_utc(start),
        "window_end": iso_utc(start + BUCKET_MS),
        "score": 0.9,
        "signals": {},
        "explanation": Explanation(
            summary=f"{kind} on {level} {entity}",
            drivers=Drivers(
                pattern=pattern,  # type: ignore[arg-type]
                deviations=[
                    Deviation(
                        signal="negative_ratio",
                        value=0.62,
                        baseline=0.05,
                        change="x12.4",
                        score=0.99,
                    )
                ],
                top_posts=[("p1", 340)],
                top_hashtags=[("fail", 200)],
            ),
        ),
        "detectors": {},
        "emitted_at": iso_utc(start + BUCKET_MS),
    }
    values.update(fields)
    return Alert(**values)
