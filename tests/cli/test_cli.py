"""The CLI on the embedded default (memory bus, SQLite store): produce, search, bad input."""

from __future__ import annotations

import json
import os

from tests.helpers.cli import invoke as rasad
from tests.helpers.paths import SEED
from tests.helpers.processes import rasad as run_process


def embedded_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}
    return {**env, "RASAD_DATA_DIR": str(tmp_path / "data")}


def test_produce_then_search_on_the_embedded_default(tmp_path):
    env = embedded_env(tmp_path)
    produced = rasad("produce", str(SEED), env=env, check=True)
    assert "sent 1" in produced.stdout.decode()
    for query in ("داعش", "سوريا", "وداعش", "ISIS", "country:SY", '"الدولة الإسلامية"'):
        result = json.loads(rasad("search", query, "--json", env=env, check=True).stdout)
        assert result["total"] == 1, query
    result = json.loads(rasad("search", "داعش", "--json", env=env, check=True).stdout)
    assert result["hits"][0]["language"] == "ar"
    assert any("<mark>داعش</mark>" in h for h in result["hits"][0]["highlights"])
    assert (
        json.loads(rasad("search", "Football", "--json", env=env, check=True).stdout)["total"] == 0
    )


def test_bad_files_fail_clearly_and_good_ones_still_go_through(tmp_path):
    env = embedded_env(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    missing = tmp_path / "missing.txt"
    result = rasad("produce", str(missing), str(SEED), str(binary), str(empty), env=env)
    assert result.returncode == 1
    err = result.stderr.decode()
    assert f"{missing}: no such file" in err
    assert f"{binary}: binary data, not text" in err
    assert f"{empty}: empty, no text" in err
    assert "Traceback" not in err
    assert "sent 1" in result.stdout.decode() and "errors 3" in result.stdout.decode()
    assert json.loads(rasad("search", "داعش", "--json", env=env, check=True).stdout)["total"] == 1


def test_bad_query_is_one_clear_line(tmp_path):
    result = rasad("search", "nope:thing", env=embedded_env(tmp_path))
    assert result.returncode == 1
    assert result.stderr.decode().strip().startswith("error: unknown filter 'nope'")
    assert "Traceback" not in result.stderr.decode()


def test_unknown_stack_engine_is_one_clear_line(tmp_path):
    result = rasad("stack", "up", "--engine", "opensearch,solr", env=embedded_env(tmp_path))
    assert result.returncode == 1
    assert result.stderr.decode().strip().startswith("error: --engine: unknown engine 'solr'")


def test_index_maintain_sets_up_any_store(tmp_path):
    done = rasad("index", "maintain", env=embedded_env(tmp_path), check=True).stdout.decode()
    assert "rasad.db: schema up to date" in done and (tmp_path / "data" / "rasad.db").exists()


def test_unknown_bus_is_a_config_error(tmp_path):
    env = {**embedded_env(tmp_path), "RASAD_BUS": "carrier-pigeon://x"}
    result = rasad("produce", str(SEED), env=env)
    assert result.returncode == 2  # a bad setting: the usage-error code, before anything runs
    assert result.stderr.decode().strip() == (
        "error: bad setting RASAD_BUS: unknown URL 'carrier-pigeon://x': use memory:// or kafka://HOST:PORT"
    )


def test_the_entry_point_process_reports_errors_in_one_line(tmp_path):
    # The other tests run the command in-process; this one runs it as users do, in a process.
    result = run_process("search", "(" * 5000, env={**embedded_env(tmp_path)})
    assert result.returncode == 1
    assert (
        result.stderr.decode().strip()
        == "error: query nests deeper than 32 levels of parentheses or NOT"
    )
    bad = run_process("settings", env={**embedded_env(tmp_path), "RASAD_LOG_LEVEL": "loud"})
    assert bad.returncode == 2 and bad.stderr.decode().count("\n") == 1
    assert bad.stderr.decode().startswith("error: bad setting RASAD_LOG_LEVEL: ")
