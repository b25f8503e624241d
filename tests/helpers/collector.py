"""What Python's cyclic garbage collector would have to walk: a measure of work, not of time.

A full collection visits every object the collector tracks and every reference each holds.
``walked_by`` freezes what exists (``gc.freeze``, as the worker does once it is set up), runs
the code, collects (twice), and counts the references held by the tracked objects the code left
behind: what each later full collection walks because of it.
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
        # Twice: a tuple of tuples is untracked once its inner tuples were, a pass later.
        gc.collect()
        gc.collect()
        walked = sum(
            len(gc.get_referents(thing)) for thing in gc.get_objects() if id(thing) not in before
        )
        return walked
    finally:
        gc.unfreeze()
