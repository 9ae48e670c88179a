"""`lrsched fit LOG`: the schedules behind a logged learning rate, ranked by their largest
relative error, each with its parameters and the YAML entry that reproduces it."""
from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer

from ..errors import UsageError
from .base import app, examples, out, say, to_stdout
from .options import WRITE_TARGETS, int_option, output_path

FORMATS = ("text", "json")


@app.command("fit", epilog=examples(
    "lrsched fit trainer_state.json",
    "lrsched fit metrics.csv --log-column lr-AdamW -o fitted.yaml",
    "lrsched fit run.csv --format json --top 3",
    "lrsched fit run.csv --to torch"))
def fit_command(
    log: Annotated[str, typer.Argument(help="the log: a CSV (TensorBoard, W&B, Lightning, any step + LR "
                                       "columns), trainer_state.json, an MLflow metric file or TensorBoard "
                                       "events", metavar="LOG")],
    log_column: Annotated[Optional[str], typer.Option("--log-column", help="the series of a log that holds "
                                                      "several (a column, key or tag)", metavar="NAME")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="write the best candidate as a config "
                                                  "that 'lrsched export --config' reads", metavar="FILE.yaml")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="text or json [default: text]",
                                               metavar="text|json")] = None,
    top: Annotated[Optional[str], typer.Option("--top", help="candidates shown, 1 to 20 [default: 5]",
                                               metavar="N")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="also print the best candidate as code for "
                                              f"{', '.join(WRITE_TARGETS)}, or as a trainer's config for a "
                                              "dialect lrsched writes (e.g. megatron)",
                                              metavar="|".join(WRITE_TARGETS) + "|DIALECT")] = None,
) -> None:
    """Find the schedule behind a logged learning rate: every family of 'lrsched list' with a warmup,
    in PyTorch's, Hugging Face's and timm's conventions, ranked by the largest relative error."""
    from ..core.fit import fit
    from ..logs import read_log

    from .logged import refuse_logs_as_outputs

    count = int_option(top, "--top", 1, 20) or 5
    fmt = fmt or "text"
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of: {', '.join(FORMATS)} (received {fmt!r})")
    if to is not None:
        from .export import check_target

        check_target(to)
    output = output_path(output, None)
    record = read_log(log, log_column)
    refuse_logs_as_outputs([record], {"--output": output})
    for note in record.notes:
        say(note)
    result = fit(record, top=count)
    if fmt == "json":
        to_stdout(lambda stream: stream.write(json.dumps(as_json(result, record), indent=2) + "\n"))
    else:
        _print_text(result, record)
    _verdict(result)
    if to is not None:
        _print_code(result, to)
    if output is not None:
        _write_config(result, record, output)


def as_json(result: Any, record: Any) -> dict[str, Any]:
    return {
        "log": record.name, "series": record.key, "points": result.points, "steps": result.steps,
        "tolerance": result.tolerance, "exact": result.exact, "ambiguous": result.ambiguous,
        "candidates": [{"rank": i + 1, "kind": c.kind, "max_rel_error": c.error, "worst_step": c.worst_step,
                        "logged_after_update": bool(c.offset), "steps": c.steps,
                        "schedule": c.mapping, "notes": c.notes,
                        "equivalents": c.equivalents} for i, c in enumerate(result.candidates)],
    }


def _print_text(result: Any, record: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(f"Schedules behind {record.label} ({result.points:,} logged points, "
                             f"{result.steps:,} steps)"), title_justify="left")
    for name, justify in (("#", "right"), ("schedule", "left"), ("max rel error", "right"), ("at step", "right"),
                          ("parameters", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for i, c in enumerate(result.candidates):
        params = ", ".join(f"{k}={_short(v)}" for k, v in c.mapping.items() if k != "kind")
        table.add_row(str(i + 1), Text(c.describe()), f"{c.error:.3g}", str(c.worst_step), Text(params))
    console = out()
    console.print(table)
    if result.best is not None:
        console.print(Text("\nThe best as a YAML entry:\n" + yaml_entry(result.best.mapping)))
        for note in result.best.equivalents:
            console.print(Text(f"  {note}"))


def _short(value: Any) -> str:
    return f"{value:.12g}" if isinstance(value, float) else str(value)


def yaml_entry(mapping: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump([mapping], sort_keys=False, default_flow_style=None, width=1000).rstrip("\n")


def _verdict(result: Any) -> None:
    best = result.best
    if best is None:
        raise UsageError("no schedule family fits this log (each candidate was refused by its kind)")
    if result.exact:
        say(f"fit: {best.describe()} reproduces the log (largest relative error {best.error:.2g}, "
            f"within {result.tolerance:g})")
    else:
        say(f"fit: no candidate reproduces the log within {result.tolerance:g}; the best, {best.describe()}, is "
            f"off by {best.error:.3g} (relative) at step {best.worst_step}")
    for line in result.ambiguous:
        say(f"fit: {line}")


def _print_code(result: Any, to: str) -> None:
    from ..core.engine import build
    from ..frameworks.codegen import snippet

    from .export import dialect_writer

    schedule, writer = build(result.best.mapping, result.best.steps), dialect_writer(to)
    code = writer(schedule, result.best.steps) if writer else snippet(schedule, to, result.best.steps) + "\n"
    to_stdout(lambda stream: stream.write(code))


def _write_config(result: Any, record: Any, output: str) -> None:
    import yaml

    from ..io.files import atomic_write

    entry = dict(result.best.mapping, label="fitted")
    text = (f"# The schedule lrsched fit found behind {record.name} ({record.key}); largest relative error "
            f"{result.best.error:.3g}.\n"
            + yaml.safe_dump({"title": f"fitted to {record.label}", "steps": result.best.steps, "unit": "step",
                              "schedules": [entry]}, sort_keys=False, default_flow_style=None, width=1000))
    atomic_write(output, text)
    say(f"wrote {output}")
