"""Resolve a runtime classpath from Maven Central once, then reuse it offline."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from string import Template

from rasad.errors import StackError


def resolve(pom_template: Path, values: dict[str, str], workdir: Path) -> list[Path]:
    """The jars of the POM's runtime scope.

    Runs Maven only when the cached list is missing or stale.
    """
    workdir = (
        workdir.resolve()
    )  # Maven reads a relative output file against the POM's folder, not ours
    workdir.mkdir(parents=True, exist_ok=True)
    pom = Template(pom_template.read_text(encoding="utf-8")).substitute(values)
    pom_file, cp_file = workdir / "pom.xml", workdir / "classpath.txt"
    if cp_file.exists() and pom_file.exists() and pom_file.read_text(encoding="utf-8") == pom:
        jars = [Path(p) for p in cp_file.read_text().strip().split(":") if p]
        if jars and all(j.exists() for j in jars):
            return jars
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError(
            "Maven (mvn) is not installed: install it (apt-get install maven) and retry"
        )
    pom_file.write_text(pom, encoding="utf-8")
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(pom_file),
        "dependency:build-classpath",
        f"-Dmdep.outputFile={cp_file}",
        "-Dmdep.includeScope=runtime",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if result.returncode != 0 or not cp_file.exists():
        output = (result.stdout + result.stderr).strip().splitlines()
        tail = "\n".join([line for line in output if "ERROR" in line][-15:] or output[-15:])
        raise StackError(
            f"Maven could not resolve {pom_template.name} (exit {result.returncode}):\n"
            f"{tail or f'no classpath written to {cp_file}'}"
        )
    return [Path(p) for p in cp_file.read_text().strip().split(":") if p]
