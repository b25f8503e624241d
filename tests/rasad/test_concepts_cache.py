"""The built lexicon is kept on disk between processes, and rebuilt whenever
what it is built from changes.
"""

from __future__ import annotations

import shutil

from rasad import concepts
from rasad.concepts import TAXONOMY, cache


def test_a_cached_lexicon_is_the_built_one_and_a_changed_file_builds_anew(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = tmp_path / "taxonomy.yaml"
    shutil.copy(TAXONOMY, data)
    builds = []

    def build():
        builds.append(1)
        return concepts._build_from(data)

    first = cache.cached("lexicon", data, build)
    again = cache.cached("lexicon", data, build)  # read back from disk
    assert len(builds) == 1 and again is not first
    assert again.index == first.index and again.starts == first.starts  # rules compare by value
    assert {c.id: (c.label, c.country, c.lat) for c in again.concepts.values()} == {
        c.id: (c.label, c.country, c.lat) for c in first.concepts.values()
    }
    assert len(list((tmp_path / "cache" / "rasad").glob("lexicon-*.pickle"))) == 1

    data.write_text(data.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    cache.cached("lexicon", data, build)
    assert (
        len(builds) == 2 and len(list((tmp_path / "cache" / "rasad").glob("lexicon-*.pickle"))) == 2
    )


def test_an_unreadable_cache_is_rebuilt_and_an_unwritable_one_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = tmp_path / "taxonomy.yaml"
    shutil.copy(TAXONOMY, data)
    cache.cached("vocabulary", data, lambda: {"داعش"})
    [file] = (tmp_path / "cache" / "rasad").glob("vocabulary-*.pickle")
    file.write_bytes(b"not a pickle")
    assert cache.cached("vocabulary", data, lambda: {"سوريا"}) == {"سوريا"}
    (tmp_path / "blocked").write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))
    assert cache.cached("vocabulary", data, lambda: {"حلب"}) == {"حلب"}
