"""The README stays true: its table of kinds is current and its commands run."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.present.docs import BEGIN, END, kinds_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_kinds_table_is_generated_from_the_definitions():
    section = README.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert section == kinds_markdown(), "run: python -m lrsched_cli.present.docs"


def readme_commands():
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            line = line.split(" && ")[-1].split("  #")[0].strip()
            if line.startswith("lrsched "):
                commands.append(line)
    return commands


def test_the_readme_has_commands():
    assert "lrsched plot cosine --max-lr 0.1" in readme_commands()
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command, tmp_path, monkeypatch):
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    (tmp_path / "tests").symlink_to(ROOT / "tests")  # the logs of tests/fixtures/logs
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
