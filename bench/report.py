"""What a benchmark measured, as data: every ``rasad bench …`` returns a ``Report``.

A ``Measure`` is one figure: its name, value and unit, the ``baseline`` it is compared with (a
measure taken in the same run: the raw bulk load beside the indexer, the naive regex beside
the tagger) and the ``Goal`` it must meet, on its value or on its ratio to the baseline. A
report prints as a table, as one JSON document (``--json``: runs can be compared by a
program) or as Markdown (``rasad bench all`` writes docs/benchmarks.md); it carries the machine
it ran on and the load average before and after, since the machines we measure on are shared.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.table import Table

_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Goal:
    """A bound on a measure's value (``ratio`` False) or on its ratio to its baseline."""

    op: Literal[">=", "<="]
    bound: float
    ratio: bool = False

    def met(self, measure: Measure) -> bool | None:
        """Whether the measure meets it (None: nothing to compare, e.g. no baseline)."""
        x = measure.ratio if self.ratio else measure.value
        if x is None or math.isnan(x):
            return None
        return x >= self.bound if self.op == ">=" else x <= self.bound

    def text(self, unit: str) -> str:
        sign = "≥" if self.op == ">=" else "≤"
        return f"{sign} {self.bound:g}× baseline" if self.ratio else f"{sign} {self.bound:g} {unit}"


def at_least(bound: float, ratio: bool = False) -> Goal:
    return Goal(">=", bound, ratio)


def at_most(bound: float, ratio: bool = False) -> Goal:
    return Goal("<=", bound, ratio)


@dataclass(frozen=True)
class Measure:
    """One figure of a run; ``baseline``: what it is compared with, measured in the same run."""

    name: str
    value: float
    unit: str
    baseline: Measure | None = None
    goal: Goal | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """value / baseline's value (None without a baseline or with a zero one)."""
        if self.baseline is None or not self.baseline.value or math.isnan(self.baseline.value):
            return None
        return self.value / self.baseline.value

    @property
    def met(self) -> bool | None:
        return self.goal.met(self) if self.goal else None

    def as_dict(self) -> dict[str, Any]:
        base = self.baseline
        return {
            "name": self.name,
            "value": _number(self.value),
            "unit": self.unit,
            "baseline": None
            if base is None
            else {"name": base.name, "value": _number(base.value), "unit": base.unit},
            "ratio": None if self.ratio is None else round(self.ratio, 4),
            "goal": None
            if self.goal is None
            else {
                "op": self.goal.op,
                "bound": self.goal.bound,
                "of": "ratio" if self.goal.ratio else "value",
                "text": self.goal.text(self.unit),
            },
            "met": self.met,
            "note": self.note,
        }


@dataclass(frozen=True)
class Machine:
    """Where a run happened: enough to tell two runs' machines apart."""

    host: str
    cpu: str
    cores: int
    memory_gb: float
    system: str
    python: str
    commit: str

    @classmethod
    def here(cls) -> Machine:
        return cls(
            host=platform.node(),
            cpu=_cpu_model(),
            cores=os.cpu_count() or 0,
            memory_gb=round(_memory_kb() / 1024 / 1024, 1),
            system=f"{platform.system()} {platform.release()}",
            python=sys.version.split()[0],
            commit=_commit(),
        )

    def text(self) -> str:
        return (
            f"{self.cpu}, {self.cores} cores, {self.memory_gb:g} GB; {self.system}; "
            f"Python {self.python}; commit {self.commit}"
        )


@dataclass
class Report:
    """The measures of one benchmark run, with its context: machine, load, command, notes."""

    name: str  # the benchmark: tag, index, alerts …
    title: str
    command: str = ""  # how to run it again
    measures: list[Measure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: Machine = field(default_factory=Machine.here)
    load_before: tuple[float, ...] = field(default_factory=lambda: load_average())
    load_after: tuple[float, ...] = ()

    def add(self, measure: Measure) -> Measure:
        """Add a measure; returned, so it can be the baseline of the next ones."""
        self.measures.append(measure)
        return measure

    def finish(self) -> Report:
        """Note the load average at the end of the run (call when measuring is done)."""
        self.load_after = load_average()
        return self

    @property
    def load(self) -> str:
        before = " ".join(f"{x:.2f}" for x in self.load_before)
        after = " ".join(f"{x:.2f}" for x in self.load_after) or "?"
        return f"load average (1/5/15 min) {before} before, {after} after"

    def table(self) -> Table:
        table = Table(title=self.title, caption="\n".join([*self.notes, self.load]))
        for column in ("measure", "value", "baseline (same run)", "ratio", "goal", "met", "note"):
            table.add_column(column, justify="right" if column in ("value", "ratio") else "left")
        for m in self.measures:
            table.add_row(*_cells(m))
        return table

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.name,
            "title": self.title,
            "command": self.command,
            "machine": vars(self.machine),
            "load_before": list(self.load_before),
            "load_after": list(self.load_after),
            "notes": self.notes,
            "measures": [m.as_dict() for m in self.measures],
        }

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", f"`{self.command}`", ""] if self.command else []
        lines = lines or [f"## {self.title}", ""]
        lines += [
            "| measure | value | baseline (same run) | ratio | goal | met | note |",
            "|---|--:|---|--:|---|---|---|",
        ]
        lines += ["| " + " | ".join(_md(c) for c in _cells(m)) + " |" for m in self.measures]
        lines += ["", *[f"{note}  " for note in self.notes], f"{self.load}.", ""]
        return "\n".join(lines)


def _cells(m: Measure) -> tuple[str, ...]:
    base = m.baseline
    met = {True: "yes", False: "NO", None: ""}[m.met]
    return (
        m.name,
        f"{figure(m.value)} {m.unit}".strip(),
        f"{base.name}: {figure(base.value)} {base.unit}".strip() if base else "",
        f"{m.ratio:.2f}×" if m.ratio is not None else "",
        m.goal.text(m.unit) if m.goal else "",
        met,
        m.note,
    )


def figure(value: float) -> str:
    """A value with the digits that matter: 12,345 · 123 · 12.3 · 1.23 · 0.123."""
    if math.isnan(value):
        return "n/a"
    size = abs(value)
    if size >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.1f}" if size >= 10 else f"{value:.2f}" if size >= 1 else f"{value:.3f}"


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def _md(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")


def load_average() -> tuple[float, ...]:
    try:
        return tuple(round(x, 2) for x in os.getloadavg())
    except OSError:  # not on every platform
        return ()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_kb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(_ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"
