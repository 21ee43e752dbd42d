"""``crisiswatch_build_info``: which version of crisiswatch (and Python) a process runs.

Exported by every process with a /metrics endpoint (worker, notify) on its injected registry, so
that dashboards and alerts can tell versions apart during a rolling upgrade:
``count by (version) (crisiswatch_build_info)``.
"""

from __future__ import annotations

import platform

from prometheus_client import CollectorRegistry, Info

from stream_app import __version__


def register_build_info(registry: CollectorRegistry, component: str) -> Info:
    """Add ``crisiswatch_build_info{version, python_version, component} 1`` to ``registry``.

    >>> from prometheus_client import generate_latest
    >>> registry = CollectorRegistry()
    >>> _ = register_build_info(registry, "worker")
    >>> b'crisiswatch_build_info{component="worker"' in generate_latest(registry)
    True
    """
    info = Info(
        "crisiswatch_build",
        "The crisiswatch version this process runs, its Python version and its component.",
        registry=registry,
    )
    info.info(
        {
            "component": component,
            "version": __version__,
            "python_version": platform.python_version(),
        }
    )
    return info
