"""The framework registry: one list of frameworks that every command and test takes.

Each framework is one module under lrsched_cli/frameworks/ holding a `Framework` value; these
tests check that the lists derived from the registry agree and that each framework describes
every kind.
"""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.kinds import REGISTRY as KINDS
from lrsched_cli.frameworks import FRAMEWORKS, REGISTRY, TABLES, is_framework_spec
from lrsched_cli.frameworks.codegen import TARGETS
from lrsched_cli.frameworks.dialects import DIALECTS

runner = CliRunner()


def test_every_list_of_frameworks_is_the_registry():
    assert tuple(FRAMEWORKS) == tuple(REGISTRY) == ("torch", "hf", "optax", "keras", "timm")
    assert list(TABLES) == list(REGISTRY)
    assert tuple(TARGETS) == tuple(name for name, fw in REGISTRY.items() if fw.write)
    assert tuple(DIALECTS) == tuple(name for name, fw in REGISTRY.items() if fw.compare)
    assert all(is_framework_spec(f"{name}:X()") for name in REGISTRY)


@pytest.mark.parametrize("framework", list(REGISTRY.values()), ids=lambda fw: fw.name)
def test_a_framework_is_complete(framework):
    assert framework.constructors, "a framework reads at least one constructor"
    assert is_framework_spec(framework.example)
    assert set(framework.equivalents) == {kind.name for kind in KINDS}
    assert all(text.strip() for text in framework.equivalents.values())
    if framework.write:
        assert framework.write_table, "a writer also replays a table of values"


@pytest.mark.parametrize("kind", ["cosine", "plateau", "wsd"])
def test_describe_shows_every_framework(kind):
    result = runner.invoke(app, ["describe", kind])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    for framework in REGISTRY.values():
        assert framework.title in text
        assert framework.equivalents[kind].split("(")[0] in text
