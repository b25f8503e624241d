"""Follow mode: watch folders for new files and poll feeds, until stopped.

Folders are polled (portable, no inotify needed). A file is read once it has stopped changing
and is recorded in the state store by path and fingerprint (size, mtime) once everything in it
was acknowledged — so each file is picked up exactly once, across restarts too. A file that
is rewritten gets a new fingerprint and is read again (its unchanged articles are duplicates).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from producers.feeds import FeedSource
from producers.fetch import Fetcher
from producers.files import list_files, read_file
from producers.publisher import Producer, Summary
from producers.state import State

log = logging.getLogger(__name__)
SETTLE_SECONDS = 1.0  # a file modified more recently than this may still be being written


class Follower:
    """Watches ``folders`` every ``folder_interval`` seconds and polls
    ``feeds`` every ``feed_interval``.
    """

    def __init__(
        self,
        producer: Producer,
        state: State,
        fetcher: Fetcher,
        folders: list[Path],
        feeds: list[str],
        folder_interval: float = 2.0,
        feed_interval: float = 300.0,
    ):
        self.producer = producer
        self.state = state
        self.fetcher = fetcher
        self.folders = folders
        self.feeds = feeds
        self.folder_interval = folder_interval
        self.feed_interval = feed_interval
        self._next_poll = dict.fromkeys(feeds, 0.0)

    def run(
        self, stop: threading.Event, on_summary: Callable[[str, Summary], None] | None = None
    ) -> Summary:
        """Loop until ``stop`` is set.

        ``on_summary(what, summary)`` after each file or feed poll with items.
        """
        total = Summary()
        while not stop.is_set():
            for what, summary in self.poll_once():
                total.add(summary)
                if on_summary and summary.read:
                    on_summary(what, summary)
            stop.wait(self.folder_interval)  # feeds are polled on the pass after they fall due
        return total

    def poll_once(self) -> list[tuple[str, Summary]]:
        """One pass: every new settled file, every feed that is due."""
        done = [(str(path), self._read(path)) for path in self._new_files()]
        now = time.monotonic()
        for url, due in self._next_poll.items():
            if due <= now:
                self._next_poll[url] = now + self.feed_interval
                done.append((url, self._poll(url)))
        return done

    def _new_files(self) -> list[Path]:
        ready = []
        now = time.time()
        for path in list_files(self.folders):
            try:
                stat = path.stat()
            except OSError:
                continue  # removed between listing and stat
            if now - stat.st_mtime < SETTLE_SECONDS:
                continue
            if not self.state.file_done(path, _fingerprint(stat)):
                ready.append(path)
        return ready

    def _read(self, path: Path) -> Summary:
        fingerprint = _fingerprint(path.stat())
        summary = self.producer.send(read_file(path, self.fetcher))
        if (
            not summary.unacknowledged
        ):  # bad input is dead-lettered for good; a bus failure is retried
            self.state.mark_file(path, fingerprint)
        return summary

    def _poll(self, url: str) -> Summary:
        source = FeedSource(
            url,
            self.fetcher,
            self.state.feed_position(url),
            already_sent=lambda article_id: self.state.seen([f"id:{article_id}"]),
        )
        summary = self.producer.send(source.items())
        if not summary.unacknowledged:
            self.state.save_feed_position(source.position)
        log.info("polled %s: %d new, %d errors", url, summary.sent, len(summary.errors))
        return summary


def _fingerprint(stat) -> str:
    return f"{stat.st_size}:{stat.st_mtime_ns}"
