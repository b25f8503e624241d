"""Fault injection for a worker subprocess (put this directory on its ``PYTHONPATH``): Kafka's
metadata is late to show the topics the worker creates itself.

For the first ``RASAD_TEST_LATE_METADATA`` seconds of the process, every metadata answer says
of the topics named ``…-stories`` (the tagger's own hop) what Kafka says of a topic it does not
know — what a loaded broker does between creating a topic and publishing it in its metadata.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from aiokafka.cluster import ClusterMetadata
from aiokafka.errors import UnknownTopicOrPartitionError

_UNTIL = time.monotonic() + float(os.environ.get("RASAD_TEST_LATE_METADATA", "5"))
_update_metadata = ClusterMetadata.update_metadata


def _late_update_metadata(self: ClusterMetadata, metadata: Any) -> Any:
    if time.monotonic() < _UNTIL and metadata.API_VERSION > 0:
        topics = []
        for error_code, topic, is_internal, partitions, *rest in metadata.topics:
            if topic.endswith("-stories") and partitions:
                print(f"late metadata: {topic} hidden", file=sys.stderr, flush=True)
                error_code, partitions = UnknownTopicOrPartitionError.errno, []
            topics.append((error_code, topic, is_internal, partitions, *rest))
        metadata.topics = topics
    return _update_metadata(self, metadata)


ClusterMetadata.update_metadata = _late_update_metadata  # type: ignore[method-assign]
