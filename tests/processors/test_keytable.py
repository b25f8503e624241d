"""The stories' key table behaves as a dict of first-written values, whatever the collisions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.keytable import KeyTable, key_of

# Keys from a few home slots, so that runs of colliding keys wrap around the table's end and
# deleting from the middle of a run must move the keys after it back.
_crowded = st.builds(
    lambda home, step: ((home * 1024 + step) % (1 << 64)) or 1,
    st.sampled_from([0, 1, 1023, 2047]),
    st.integers(0, 40),
)
_keys = st.one_of(_crowded, st.integers(1, (1 << 64) - 1))
_operations = st.lists(
    st.tuples(st.sampled_from(["add", "discard", "discard-other"]), _keys, st.integers(0, 99)),
    max_size=400,
)


@settings(max_examples=300, deadline=None)
@given(_operations)
def test_the_table_answers_as_a_dict_of_first_written_values(operations):
    table, model = KeyTable(), {}
    for operation, key, value in operations:
        if operation == "add":
            assert table.add(key, value) == (key not in model)
            model.setdefault(key, value)
        elif operation == "discard" and key in model:
            table.discard(key, model.pop(key))
        else:  # a value the key does not hold: the key stays
            table.discard(key, model.get(key, -5) + 1000)
    probe = [key for _, key, _ in operations] + [7, 1 << 63]
    assert table.get_many(probe) == [model.get(key, -1) for key in probe]
    assert len(table) == len(model)


def test_the_table_grows_keeping_every_key_and_its_load_under_a_half():
    table = KeyTable()
    keys = [key_of(f"band:{n}") for n in range(20_000)]
    for n, key in enumerate(keys):
        table.add(key, n)
    assert table.size >= 2 * len(table) and len(table) == len(set(keys))
    assert table.get_many(keys[::997]) == list(range(0, 20_000, 997))
    for n, key in enumerate(keys[:10_000]):
        table.discard(key, n)
    assert table.get_many(keys[9_998:10_002]) == [-1, -1, 10_000, 10_001]
