"""`lrsched list` and `lrsched describe KIND`: what kinds exist and what each one does."""
from __future__ import annotations

from typing import Annotated

import typer

from .base import app, examples, out


@app.command("list", epilog=examples("lrsched list", "lrsched list --dialects"))
def list_kinds(dialects: Annotated[bool, typer.Option("--dialects", help="list the training-config dialects "
                                                      "instead: the keys each reads, warns about and ignores")]
               = False) -> None:
    """List every schedule kind with its family, frequency and quantity."""
    if dialects:
        out().print(dialects_table())
        return
    from ..present.render import kinds_table

    out().print(kinds_table())


def dialect_names() -> list[str]:
    from ..trainers import dialect_names as names

    return names()


def dialects_table(only: str | None = None) -> object:
    """Every training-config dialect (or `only` one), from the one registry (lrsched_cli.trainers.DIALECTS)."""
    from rich.table import Table

    from ..present.render import plain
    from ..trainers import DIALECTS

    table = Table(title="Training-config dialects (a file, or NAME:--flags where marked; 'export --to NAME' "
                        "where written)", show_lines=True)
    for column in ("dialect", "what", "reads", "warns about (changes the schedule, not modelled)", "ignores"):
        table.add_column(column, overflow="fold")
    for d in DIALECTS.values():
        if only is not None and d.name != only:
            continue
        name = d.name + (" (NAME:--flags)" if d.prefix else "") + (" (written: export --to)" if d.write else "")
        table.add_row(*(plain(text) for text in (name, d.summary, ", ".join(d.reads), ", ".join(d.warns) or "-",
                                                 ", ".join(d.ignores) or "-")))
    return table


KIND_OR_RUN = Annotated[str, typer.Argument(help="a kind from 'lrsched list', run, or a dialect", metavar="KIND")]


@app.command("describe", epilog=examples("lrsched describe cosine", "lrsched describe run",
                                         "lrsched describe deepspeed"))
def describe_kind(kind: KIND_OR_RUN) -> None:
    """Explain one kind: formula, parameters, tips, framework equivalents, an example.
    'lrsched describe run' explains the training-run settings and their rules; a dialect's name
    (lrsched list --dialects) shows the keys it reads, warns about and ignores."""
    if kind == "run":
        from .run import describe_run

        describe_run()
        return
    from ..core.kinds import REGISTRY
    from ..present.docs import yaml_example
    from ..present.render import describe

    from .kinds import kind_example

    if kind not in REGISTRY and kind in dialect_names():  # `lrsched describe deepspeed`: a dialect
        out().print(dialects_table(kind))
        return
    definition = REGISTRY.get(kind)
    out().print(describe(definition, kind_example(definition, "plot"), yaml_example(definition)))
