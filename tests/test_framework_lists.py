"""The CLI's help texts name the frameworks the registry has, in its order."""
from __future__ import annotations

from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.cli.options import COMPARE_TARGETS, FRAMEWORK_NAMES, WRITE_TARGETS
from lrsched_cli.frameworks import FRAMEWORKS, MODULES
from lrsched_cli.frameworks.codegen import TARGETS
from lrsched_cli.frameworks.dialects import DIALECTS


def test_the_cli_lists_are_the_registry():
    assert FRAMEWORK_NAMES == tuple(FRAMEWORKS) == MODULES
    assert WRITE_TARGETS == tuple(TARGETS)
    assert COMPARE_TARGETS == tuple(DIALECTS)


def test_help_texts_show_the_lists():
    runner = CliRunner()
    export_help = " ".join(runner.invoke(app, ["export", "--help"]).output.split())
    assert "|".join(TARGETS) in export_help
    compare_help = " ".join(runner.invoke(app, ["compare", "--help"]).output.split())
    assert ",".join(DIALECTS) in compare_help
