"""cli/coercion.py: typer's pydantic coercion is built only for values that need it, and the values
the commands receive are those typer's own coercion gives."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import pytest
import typer
from typer.testing import CliRunner

import lrsched_cli.cli  # noqa: F401 - installs the coercion

ROOT = Path(__file__).resolve().parents[1]
PROBE = ("import sys, runpy\nsys.argv = ['lrsched'] + sys.argv[1:]\n"
         "try:\n    runpy.run_module('lrsched_cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
         "sys.stderr.write('pydantic' if 'pydantic' in sys.modules else 'clean')")


@pytest.mark.parametrize("args", [
    ["table", "cosine", "--max-lr", "0.1", "--steps", "100"],
    ["plot", "--spec", "cosine:max_lr=0.1", "--spec", "step:max_lr=0.1,step_size=3", "--steps", "20",
     "--dpi", "10", "-o", "x.png"],
    ["export", "cosine", "--max-lr", "0.1", "--steps", "5", "--debug"],
])
def test_commands_run_without_importing_pydantic(tmp_path, args):
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.stderr.endswith("clean"), result.stderr


def test_values_are_those_typers_coercion_gives():
    app = typer.Typer()
    seen = {}

    @app.command()
    def main(text: Annotated[Optional[str], typer.Option()] = None,
             many: Annotated[Optional[list[str]], typer.Option()] = None,
             count: Annotated[int, typer.Option()] = 1,
             flag: Annotated[bool, typer.Option()] = False) -> None:
        seen.update(text=text, many=many, count=count, flag=flag)

    runner = CliRunner()
    assert runner.invoke(app, ["--text", "a b", "--many", "x", "--many", "y", "--count", "3", "--flag"]).exit_code == 0
    assert seen == {"text": "a b", "many": ["x", "y"], "count": 3, "flag": True}
    assert runner.invoke(app, []).exit_code == 0
    assert seen == {"text": None, "many": None, "count": 1, "flag": False}
    refused = runner.invoke(app, ["--count", "three"])   # a number still goes through typer's adapter
    assert refused.exit_code == 2 and "integer" in refused.output
