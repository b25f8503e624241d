"""What Python's cyclic garbage collector would have to walk: a measure of work, not of time.

A full collection visits every object the collector tracks and every reference each holds.
``walked_by`` freezes what exists (``gc.freeze``, as the worker does once it is set up), runs
the code, collects until nothing more is untracked, and counts the references held by the
tracked objects the code left behind: what each later full collection walks because of it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable


def walked_by(code: Callable[[], object]) -> int:
    """References in the objects ``code`` leaves for every full collection to walk."""
    gc.collect()
    gc.freeze()
    try:
        before = {id(thing) for thing in gc.get_objects()}
        code()  # what it returns is dropped: only what it leaves behind counts
        # Until nothing more is untracked: a tuple of tuples is untracked a pass after its inner
        # tuples were (one level a pass), as the worker's collections untrack them in time.
        tracked = -1
        while True:
            gc.collect()
            if (now := len(gc.get_objects())) == tracked:
                break
            tracked = now
        walked = sum(
            len(gc.get_referents(thing)) for thing in gc.get_objects() if id(thing) not in before
        )
        return walked
    finally:
        gc.unfreeze()
