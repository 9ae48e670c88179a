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


KIND_OR_RUN = Annotated[str, typer.Argument(help="a kind from 'lrsched list', or run", metavar="KIND")]


@app.command("describe", epilog=examples("lrsched describe cosine", "lrsched describe run"))
def describe_kind(kind: KIND_OR_RUN) -> None:
    """Explain one kind: formula, parameters, tips, framework equivalents, an example.
    'lrsched describe run' explains the training-run settings and their rules."""
    if kind == "run":
        from .run import describe_run

        describe_run()
        return
    from ..core.kinds import REGISTRY
    from ..present.docs import yaml_example
    from ..present.render import describe

    from .kinds import kind_example

    definition = REGISTRY.get(kind)
    out().print(describe(definition, kind_example(definition, "plot"), yaml_example(definition)))
