"""`lrsched list` and `lrsched describe KIND`: what kinds exist and what each one does."""
from __future__ import annotations

from typing import Annotated

import typer

from .base import app, examples, out


@app.command("list", epilog=examples("lrsched list"))
def list_kinds() -> None:
    """List every schedule kind with its family, frequency and quantity."""
    from ..present.render import kinds_table

    out().print(kinds_table())


@app.command("describe", epilog=examples("lrsched describe cosine"))
def describe_kind(kind: Annotated[str, typer.Argument(help="a kind from 'lrsched list'", metavar="KIND")]) -> None:
    """Explain one kind: formula, parameters, tips, framework equivalents, an example."""
    from ..core.kinds import REGISTRY
    from ..present.docs import yaml_example
    from ..present.render import describe

    from .kinds import kind_example

    definition = REGISTRY.get(kind)
    out().print(describe(definition, kind_example(definition, "plot"), yaml_example(definition)))
