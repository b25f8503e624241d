"""Waiting out a store or broker that is away: exponential backoff with jitter, no attempt limit.

A stage that cannot write must hold its partition, not skip the message nor crash: it retries
until the other side answers, waiting ``backoff(attempt)`` between tries.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def backoff(
    attempt: int,
    initial: float = 0.5,
    maximum: float = 30.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds before retry ``attempt`` (1, 2, …): doubling from ``initial`` to ``maximum``."""
    # The exponent stops growing once the wait is long capped (2**64 times ``initial``): an
    # outage of thousands of attempts must not overflow the float.
    ceiling = min(maximum, initial * 2.0 ** min(attempt - 1, 64))
    return ceiling / 2 + rand() * ceiling / 2
