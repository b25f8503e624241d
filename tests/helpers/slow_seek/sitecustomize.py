"""Fault injection for a worker subprocess (put this directory on its ``PYTHONPATH``): the
seek to the committed offsets that ends a rebalance or recovery answers late.

The seek itself is done; its answer comes ``RASAD_TEST_SLOW_SEEK`` seconds later — what a
busy group coordinator or a loaded machine does — so the fetcher reads from the new
positions before Faust finishes the rebalance.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

_DELAY = float(os.environ.get("RASAD_TEST_SLOW_SEEK", "2"))
_seek_to_committed = faust_aiokafka.Consumer.seek_to_committed


async def _slow_seek_to_committed(self: faust_aiokafka.Consumer) -> Mapping[TP, int]:
    offsets = await _seek_to_committed(self)
    print(f"slow seek: answering {_DELAY}s late", file=sys.stderr, flush=True)
    await asyncio.sleep(_DELAY)
    return offsets


faust_aiokafka.Consumer.seek_to_committed = _slow_seek_to_committed  # type: ignore[method-assign]
