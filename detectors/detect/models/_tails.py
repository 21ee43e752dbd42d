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


def _log_beta_cf(a: float, b: float, x: float) -> float:
    """``log`` of the continued fraction of the regularized incomplete beta (modified Lentz)."""
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for num in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-12:
            break
    return math.log(h)


def binomial_log10_sf(k: float, n: float, p: float) -> float:
    """``-log10 P(X >= k)`` for ``X ~ Binomial(n, p)``, exact (``I_p(k, n - k + 1)``), also for
    non-integer (quasi-binomial, dispersion-scaled) counts.

    >>> round(10 ** -binomial_log10_sf(2, 3, 0.5), 4)  # P(X >= 2) = 4/8
    0.5
    >>> round(10 ** -binomial_log10_sf(5, 10, 0.048), 7)
    5.24e-05
    >>> binomial_log10_sf(0, 10, 0.1), binomial_log10_sf(11, 10, 0.1)
    (0.0, 300.0)
    """
    if k <= 0 or p >= 1.0:
        return 0.0
    if k > n or p <= 0.0:
        return 300.0
    a, b = k, n - k + 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(p) + b * math.log1p(-p)
    )
    if p < (a + 1.0) / (a + b + 2.0):
        log_sf = log_front + _log_beta_cf(a, b, p) - math.log(a)
    else:  # the symmetric relation converges fast here: I_p(a, b) = 1 - I_{1-p}(b, a)
        rest = math.exp(log_front + _log_beta_cf(b, a, 1.0 - p) - math.log(b))
        log_sf = math.log(max(1.0 - rest, 1e-300))
    return min(300.0, max(0.0, -log_sf * LOG10_E))


def wilson_lower_bound(k: float, n: float, z: float = 1.96) -> float:
    """Lower bound of the Wilson score interval of ``k`` successes in ``n`` trials (0 if n=0).

    >>> round(wilson_lower_bound(3, 4), 4), round(wilson_lower_bound(75, 100), 4)
    (0.3006, 0.657)
    >>> wilson_lower_bound(0, 0)
    0.0
    """
    if n <= 0:
        return 0.0
    p = k / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z2 / n))
