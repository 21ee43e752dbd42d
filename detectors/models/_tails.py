"""Tail probabilities used by the count-aware tests (pure ``math``, no scipy on the hot path)."""

from __future__ import annotations

import math

LOG10_E = 1.0 / math.log(10.0)


def normal_log10_sf(z: float) -> float:
    """``-log10 P(Z >= z)`` for a standard normal ``Z`` (stable far in the tail).

    >>> round(normal_log10_sf(0.0), 3)
    0.301
    >>> round(normal_log10_sf(1.6448536), 2)
    1.3
    >>> normal_log10_sf(40.0) > 300
    True
    """
    if z < 5.0:
        return -math.log10(max(0.5 * math.erfc(z / math.sqrt(2.0)), 1e-300))
    # Mills-ratio asymptotic expansion: log sf ~ -z^2/2 - log(z sqrt(2 pi)) + log(1 - 1/z^2)
    log_sf = -0.5 * z * z - math.log(z * math.sqrt(2.0 * math.pi)) + math.log1p(-1.0 / (z * z))
    return -log_sf * LOG10_E


def poisson_log10_sf(k: float, mu: float) -> float:
    """``-log10 P(X >= k)`` for ``X ~ Poisson(mu)``; exact for small counts, normal beyond.

    >>> round(poisson_log10_sf(0, 3.0), 6)
    0.0
    >>> round(10 ** -poisson_log10_sf(2, 1.0), 4)
    0.2642
    """
    if k <= 0:
        return 0.0
    mu = max(mu, 1e-9)
    if k > 200 or mu > 200:
        # Anscombe-style variance-stabilised normal approximation with continuity correction
        z = 2.0 * (math.sqrt(k - 0.5 + 3.0 / 8.0) - math.sqrt(mu + 3.0 / 8.0))
        return normal_log10_sf(z)
    # P(X >= k) = 1 - sum_{i<k} pmf(i); computed as the upper sum for stability
    log_pmf = k * math.log(mu) - mu - math.lgamma(k + 1.0)
    total = 0.0
    term = 1.0
    i = k
    while True:
        total += term
        i += 1
        term *= mu / i
        if term < 1e-12 * total or i > k + 2000:
            break
    log10_sf = (log_pmf + math.log(total)) * LOG10_E
    return max(0.0, -log10_sf)
