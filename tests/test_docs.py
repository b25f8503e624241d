"""README, --help and the settings agree (as datasette's test_docs does)."""

from __future__ import annotations

import re

from cli.main import app
from cli.settings_table import markdown_table
from rasad.settings import Settings
from tests.helpers.paths import ROOT
from tests.helpers.processes import rasad

README = (ROOT / "README.md").read_text()


def test_readme_settings_table_is_current():
    block = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", README, re.DOTALL)
    assert block, "README lacks the settings block"
    expected = markdown_table(Settings().describe())
    assert block.group(1).strip() == expected, (
        "README settings table is stale: paste `rasad settings --markdown`"
    )


def test_every_setting_has_a_description():
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"


def test_readme_mentions_every_command():
    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    names |= {g.name for g in app.registered_groups}
    for name in names:
        assert f"rasad {name}" in README, f"README does not mention `rasad {name}`"


def test_readme_two_commands_are_the_ci_entry():
    assert "make demo" in README and "make test" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.MULTILINE) and re.search(
        r"^test:", makefile, re.MULTILINE
    )


def test_readme_names_every_lint_tool_the_makefile_runs():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "the Makefile has no lint target"
    tools = [line.strip().removeprefix("$(BIN)/") for line in recipe.group(1).splitlines()]
    assert {"lint-imports", "ruff check .", "ruff format --check .", "mypy"} <= set(tools)
    for tool in tools:
        assert f"`{tool}`" in README, f"README does not mention `{tool}` (make lint runs it)"


def test_help_lists_the_commands():
    out = rasad("--help", check=True).stdout.decode()
    for name in ("stack", "produce", "worker", "search", "serve", "demo", "settings"):
        assert name in out


def test_readme_alerts_row_names_every_subcommand_and_only_real_options():
    import typer

    from cli.alerts import alerts_app

    row = next(line for line in README.splitlines() if line.startswith("| `rasad alerts"))
    group = typer.main.get_command(alerts_app)
    commands = group.commands  # type: ignore[attr-defined]
    for name in commands:
        assert f"`{name}" in row or f"rasad alerts {name}" in row, f"README lacks alerts {name}"
    options = {opt for c in commands.values() for p in c.params for opt in p.opts}
    for option in re.findall(r"--[a-z][a-z-]+", row):
        assert option in options, f"README names {option}, which no `rasad alerts` command has"
