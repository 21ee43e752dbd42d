"""``detectors/`` is pure: no Kafka/Faust/metrics imports and no wall-clock calls (AST scan)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import detectors

PACKAGE = Path(detectors.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
FORBIDDEN_IMPORTS = {"kafka", "aiokafka", "faust", "prometheus_client", "mode", "stream_app"}
CLOCK_CALLS = {
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("time", "monotonic_ns"),
    ("time", "perf_counter"),
    ("time", "perf_counter_ns"),
    ("time", "process_time"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "sleep"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
}
CLOCK_NAMES = {name for _, name in CLOCK_CALLS}


def _dotted(node: ast.AST) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return list(reversed(parts))


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    clock_imports: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_IMPORTS:
                    found.append(f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_IMPORTS:
                found.append(f"from {node.module} import ...")
            if node.module in {"time", "datetime"}:
                clock_imports |= {a.asname or a.name for a in node.names if a.name in CLOCK_NAMES}
        elif isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if len(dotted) >= 2 and tuple(dotted[-2:]) in CLOCK_CALLS:
                found.append(".".join(dotted) + "()")
            if len(dotted) == 1 and dotted[0] in clock_imports:
                found.append(dotted[0] + "()")
    return found


def test_scans_every_module() -> None:
    names = {p.name for p in MODULES}
    assert {"engine.py", "policy.py", "alerts.py", "replay.py", "bucketer.py", "decode.py"} <= names
    assert len(MODULES) >= 15


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_module_is_pure(path: Path) -> None:
    assert _violations(path) == []


def test_scanner_catches_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import time\nimport aiokafka\nfrom datetime import datetime\n"
        "from time import monotonic\nfrom prometheus_client import Counter\n"
        "x = time.time()\ny = datetime.now()\nz = monotonic()\n"
    )
    found = _violations(bad)
    assert "import aiokafka" in found
    assert "from prometheus_client import ..." in found
    assert {"time.time()", "datetime.now()", "monotonic()"} <= set(found)


# Layers import downward only: contract <- ingest <- bucketing; detect sees only the contract;
# series (univariate scoring) stands alone; detectors/replay.py composes them all.
ALLOWED_LAYERS = {
    "contract": {"contract"},
    "ingest": {"contract", "ingest"},
    "bucketing": {"contract", "ingest", "bucketing"},
    "detect": {"contract", "detect"},
    "series": {"series"},
}


def _layer_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "detectors" and len(parts) > 1:
                found.add(parts[1])
    return found


LAYERED = [p for p in MODULES if p.relative_to(PACKAGE).parts[0] in ALLOWED_LAYERS]


@pytest.mark.parametrize("path", LAYERED, ids=[str(p.relative_to(PACKAGE)) for p in LAYERED])
def test_layers_import_downward_only(path: Path) -> None:
    layer = path.relative_to(PACKAGE).parts[0]
    assert _layer_imports(path) <= ALLOWED_LAYERS[layer]


def test_every_module_belongs_to_a_layer() -> None:
    loose = [p.name for p in MODULES if len(p.relative_to(PACKAGE).parts) == 1]
    assert sorted(loose) == ["__init__.py", "replay.py"]


def test_layer_scan_sees_a_detect_module_importing_bucketing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from detectors.bucketing.bucketer import Bucketer\nimport detectors.ingest\n")
    assert _layer_imports(bad) == {"bucketing", "ingest"}
    assert not _layer_imports(bad) <= ALLOWED_LAYERS["detect"]
