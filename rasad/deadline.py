"""A time bound on handling one message: ``within(seconds)`` interrupts work that runs longer.

Handling a message is CPU work on the worker's event loop, which nothing else can preempt; a
pathological input would hold the partition (and every message behind it) for as long as it
takes. ``within`` arms a SIGALRM timer: when it fires, the Python code running in the main
thread is interrupted with ``BadInput(reason="too_slow")``, and the stage dead-letters the
message and takes the next. Native code (a regex, a C extension) is interrupted only when it
returns to Python. Outside the main thread (the embedded runner's dispatcher) or where there is
no SIGALRM, ``within`` is a no-op: the size bounds still hold there.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from rasad.errors import BadInput


class _Expired(BaseException):
    """Raised by the timer; a BaseException: ``except Exception`` in the work cannot swallow it."""


@contextmanager
def within(seconds: float, what: str = "the message") -> Iterator[None]:
    """Run the block for at most ``seconds`` (main thread only); then ``BadInput`` ``too_slow``."""
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    armed = True

    def expire(signum: int, frame: FrameType | None) -> None:
        if armed:  # a late signal, after the block was left, is ignored
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise BadInput(
            f"handling {what} took longer than {seconds:g}s", reason="too_slow"
        ) from None
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
