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
    ceiling = min(maximum, initial * 2 ** (attempt - 1))
    return ceiling / 2 + rand() * ceiling / 2
