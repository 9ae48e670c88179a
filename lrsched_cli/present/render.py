"""Rich renderables for the terminal: kinds, one kind's description, values and summaries.

Everything here returns objects; only the CLI prints them.
"""
from __future__ import annotations

from typing import Any, Sequence

from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..core.kinds import FREQUENCIES, REGISTRY
from ..core.registry import Kind
from ..core.summary import Summary

def plain(text: str | None) -> Text | None:
    """User text (a label, a title) as rich Text, which rich never reads as markup."""
    return None if text is None else Text(text)


def fmt(value: float) -> str:
    return f"{value:.6g}"


def kinds_table() -> Table:
    table = Table(title="Learning-rate schedule kinds", title_justify="left", expand=False)
    table.add_column("kind", style="bold cyan", no_wrap=True)
    table.add_column("family")
    table.add_column("frequency")
    table.add_column("quantity")
    table.add_column("summary")
    for kind in REGISTRY:
        table.add_row(kind.name, kind.family, FREQUENCIES[kind.frequency], kind.quantity, kind.summary)
    table.caption = "frequency: when the rate changes; quantity: how it changes. 'lrsched describe KIND' for more."
    return table


def describe(kind: Kind, cli_example: str, yaml_example: str) -> Group:
    params = Table(box=None, pad_edge=False, show_header=False)
    params.add_column(no_wrap=True)
    params.add_column()
    for p in kind.params:
        facts = ", ".join(x for x in (p.type, f"default {p.default_text()}", p.bounds_text()) if x)
        params.add_row(Text.assemble(("  " + p.name, "bold"), f" ({p.flag})"),
                       Text.assemble((facts, "dim"), "\n", p.help))
    frameworks = Table(box=None, show_header=False, pad_edge=False)
    frameworks.add_column(style="bold", no_wrap=True)
    frameworks.add_column()
    from ..frameworks import equivalents

    for name, text in equivalents(kind.name):
        frameworks.add_row(escape(name), escape(text))
    parts: list[Any] = [
        Text.assemble((kind.name, "bold cyan"), f" - {kind.summary}"),
        Text(f"family: {kind.family}; frequency: changes {FREQUENCIES[kind.frequency]}; "
             f"quantity: {kind.quantity}", style="dim"),
        Panel(Text(kind.formula), title="formula", title_align="left", expand=False),
        Text("\nParameters", style="bold underline"),
        params,
        *_series_lines(kind),
        Text("\nTips", style="bold underline"),
        *[Text(f"  - {tip}") for tip in kind.tips],
        Text("\nEquivalents", style="bold underline"),
        frameworks,
    ]
    if kind.notes:
        parts += [Text("\nWhere conventions differ", style="bold underline"),
                  *[Text(f"  - {note}") for note in kind.notes]]
    parts += [Text("\nExample", style="bold underline"), Text(f"  {cli_example}"),
              Text("\n  # the same in a YAML config", style="dim"), Text(yaml_example)]
    return Group(*parts)


def _series_lines(kind: Kind) -> list[Text]:
    """What the kind sets beside the LR (core/registry.py SERIES), for `describe`."""
    if not kind.series:
        return []
    from ..core.registry import SERIES

    return [Text("\nSeries beside the LR (a column <label>:NAME, a plot panel)", style="bold underline"),
            *[Text.assemble(("  " + name, "bold"), f": {SERIES[name].help}") for name in kind.series]]


def values_table(labels: Sequence[str], columns: Sequence[Any], rows: Sequence[int], unit: str,
                 title: str | None = None) -> Table:
    """Index, LR per schedule and the change from the previous shown row."""
    with_change = len(labels) <= 3
    table = Table(title=plain(title), title_justify="left")
    table.add_column(plain(unit), justify="right", style="dim")
    for label in labels:
        table.add_column(plain(label), justify="right")
        if with_change:
            table.add_column("change", justify="right", style="dim")
    previous = None
    for row in rows:
        cells = [str(row)]
        for i, column in enumerate(columns):
            value = float(column[row])
            cells.append(fmt(value) if value == value else "")  # NaN: a log that did not log this step
            if with_change:
                cells.append("" if previous is None else _change(value, float(columns[i][previous])))
        table.add_row(*cells)
        previous = row
    return table


def _change(value: float, before: float) -> str:
    delta = value - before
    if delta != delta:  # a step a log did not log
        return ""
    if delta == 0:
        return "0"
    return f"{delta:+.3g}"


def summary_table(labels: Sequence[str], summaries: Sequence[Summary], unit: str) -> Table:
    table = Table(title="Summary", title_justify="left")
    table.add_column("", style="bold")
    for label in labels:
        table.add_column(plain(label), justify="right")
    for name, heading in Summary.FIELDS:
        cells = []
        for summary in summaries:
            value = getattr(summary, name)
            if value is None:
                cells.append("never")
            elif name in ("peak_step", "below_half", "below_tenth"):
                cells.append(f"{unit} {value}")
            else:
                cells.append(fmt(value))
        table.add_row(heading, *cells)
    return table


def differences_table(renderings: Sequence[Any], rows: Sequence[Any], unit: str) -> Group:
    """Where each framework's reading of one intent departs from it, and the conventions why."""
    table = Table(title="Each framework's reading of the intent", title_justify="left")
    for column, justify in (("framework", "left"), ("as written", "left"), ("max |difference|", "right"),
                            ("at", "right"), ("differs from", "right"), ("final LR", "right")):
        table.add_column(column, justify=justify, overflow="fold")
    for rendering, row in zip(renderings, rows):
        if row is None:
            table.add_row(rendering.framework, "(no equivalent)", "", "", "", "")
            continue
        same = row.first_at is None
        table.add_row(row.framework, escape(row.spec), fmt(row.max_abs),
                      "" if same else f"{unit} {row.max_at}", "identical" if same else f"{unit} {row.first_at}",
                      fmt(row.final))
    notes = [Text("\nConventions behind the differences", style="bold underline")]
    for rendering in renderings:
        for line in rendering.conventions:
            notes.append(Text(f"  {rendering.framework}: {line}"))
    return Group(table, *notes)
