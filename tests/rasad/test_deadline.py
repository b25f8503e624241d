"""The time bound on one message, and handle_raw never raising for a message's sake."""

from __future__ import annotations

import contextlib
import json
import threading
import time

import pytest

from processors.pipeline import handle_raw
from rasad.deadline import within
from rasad.errors import BadInput


def test_work_over_the_bound_is_interrupted_as_too_slow():
    def forever() -> None:
        while True:  # pure Python: interrupted between two bytecodes
            pass

    started = time.monotonic()
    with pytest.raises(BadInput) as refused, within(0.2, "the test"):
        forever()
    assert refused.value.reason == "too_slow" and "0.2s" in str(refused.value)
    assert time.monotonic() - started < 5
    with within(0.2):  # within the bound: untouched, and no alarm left behind
        total = sum(range(1000))
    time.sleep(0.3)
    assert total == 499500


def test_an_except_exception_in_the_work_cannot_swallow_the_bound():
    def stubborn() -> None:
        while True:
            with contextlib.suppress(Exception):  # what careless library code does
                time.sleep(0.01)

    with pytest.raises(BadInput), within(0.1):
        stubborn()


def test_outside_the_main_thread_there_is_no_bound_but_no_harm():
    done = []

    def work() -> None:
        with within(0.01):
            time.sleep(0.05)
        done.append(True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert done == [True]


def test_a_bug_a_message_triggers_is_an_outcome_not_an_exception(lexicon):
    class Broken:
        stemmer = lexicon.stemmer

        def __getattr__(self, name: str):
            raise RuntimeError(f"no {name} here")

    outcome = handle_raw(json.dumps({"title": "t", "text": "Talks in Geneva."}).encode(), Broken())
    assert (outcome.article, outcome.reason, outcome.error_class) == (
        None,
        "failed",
        "RuntimeError",
    )
    too_long = json.dumps({"text": "word " * 300}).encode()
    assert handle_raw(too_long, lexicon, max_chars=1000).reason == "too_large"
