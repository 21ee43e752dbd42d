"""Readable one-line rendering of alert messages for terminals (``tail``, ``demo``)."""

from __future__ import annotations

from typing import Any

_COLOURS = {"critical": "\033[1;31m", "warning": "\033[33m", "watch": "\033[36m"}
_RESET = "\033[0m"
_STATUS_MARK = {
    "open": "OPEN    ",
    "update": "UPDATE  ",
    "escalate": "ESCALATE",
    "resolve": "RESOLVE ",
}


def format_alert(alert: dict[str, Any], colour: bool = False) -> str:
    """One line: time, status, severity, kind, level/entity, score, and the explanation sentence.

    >>> print(format_alert({"window_end": "2026-01-01T10:05:00Z", "status": "open",
    ...   "severity": "warning", "kind": "crisis", "level": "post", "entity": "p1", "score": 0.91,
    ...   "sequence": 1, "explanation": {"summary": "Negative 0.62 vs 0.05."}}))
    2026-01-01T10:05:00Z OPEN     warning  crisis post:p1 score=0.91 #1  Negative 0.62 vs 0.05.
    """
    severity = str(alert.get("severity", "?"))
    explanation = alert.get("explanation") or {}
    summary = explanation.get("summary", "") if isinstance(explanation, dict) else str(explanation)
    status = _STATUS_MARK.get(str(alert.get("status")), "?       ")
    where = f"{alert.get('level', '?')}:{alert.get('entity', '?')}"
    line = (
        f"{alert.get('window_end', '?')} {status} {severity:<8} {alert.get('kind', '?')} {where} "
        f"score={float(alert.get('score', 0.0)):.2f} #{alert.get('sequence', '?')}  {summary}"
    )
    if colour and severity in _COLOURS:
        return f"{_COLOURS[severity]}{line}{_RESET}"
    return line
