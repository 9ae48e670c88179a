"""`lrsched export`: every step's learning rate as CSV or JSON, a runnable snippet (--to FRAMEWORK), or a
trainer's config fragment (--to DIALECT, for every dialect of lrsched_cli.trainers with a writer)."""
from __future__ import annotations

from typing import Any

from ..errors import OutputError, UsageError
from .base import say, to_stdout
from .kinds import kind_group
from .lint import lint_after
from .options import EXPORT_OPTIONS, output_path, run_flags


def _export(*, fmt: str | None, output: str | None, to: str | None = None, no_lint: bool = False,
            **values: Any) -> None:
    from ..app.gather import gather

    flags = run_flags(values)
    path = output_path(output, "-")
    if to is None:
        fmt = check_format(path, fmt)
    else:
        check_target(to)
    req = gather(flags=flags, **values)
    for line in req.messages:  # what a training config said, and where each number came from
        say(line)
    refuse_inputs_as_outputs(req, values.get("config"), {"--output": path})
    from .run import report_run

    report_run(req, to_stdout=False)
    if to is not None:
        write_snippets(req, to, path)
        return
    write_request(req, fmt, path)
    lint_after(req, values, no_lint)


def write_request(req: Any, fmt: str, output: str) -> None:
    """The request's values indexed as its run's unit asks (per update, per epoch, or with the
    fractional epoch as the first column)."""
    index, labels, columns = req.indexed()
    _, _, series = req.indexed(series=True)
    schedules = req.schedules
    if len(labels) > len(schedules):
        if fmt != "csv":
            raise UsageError(f"--unit step+epoch adds an epoch column to a CSV or a table; {fmt} keeps each "
                             "schedule's values with the run (use --unit step, or CSV)")
        from types import SimpleNamespace

        schedules = [SimpleNamespace(label=labels[0]), *schedules]
    write_values(schedules, columns, index, fmt, output, series=series)


def check_format(path: str, fmt: str | None) -> str:
    from ..io.output import FORMATS, format_for

    fmt = format_for(path, fmt)
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of: {', '.join(FORMATS)} (received {fmt!r})")
    return fmt


def write_targets() -> list[str]:
    """What --to accepts: the frameworks that write code, then the trainer dialects that have a writer."""
    from ..frameworks.codegen import TARGETS
    from ..trainers import DIALECTS

    return [*TARGETS, *(name for name, dialect in DIALECTS.items() if dialect.write is not None)]


def check_target(to: str) -> None:
    """A usage error before any work for a --to that names nothing lrsched writes."""
    from ..frameworks import REGISTRY
    from ..trainers import DIALECTS

    targets = write_targets()
    if to in targets or to in REGISTRY:  # a framework that only reads: the snippet says why
        return
    from ..core.registry import did_you_mean

    if to in DIALECTS:
        raise UsageError(f"--to {to}: lrsched reads {to} configs but does not write them; "
                         f"choose one of: {', '.join(targets)}")
    raise UsageError(f"--to must be one of: {', '.join(targets)} (received {to!r}){did_you_mean(to, targets)}")


def dialect_writer(to: str) -> Any:
    """The writer of the trainer dialect `to`, or None when `to` is a framework."""
    from ..trainers import DIALECTS

    dialect = DIALECTS.get(to)
    return dialect.write if dialect is not None else None


def write_snippets(req: Any, to: str, path: str) -> None:
    """The snippet (a framework) or the config fragment (a trainer dialect) of every schedule."""
    writer = dialect_writer(to)
    if writer is not None:
        if len(req.schedules) > 1:
            raise UsageError(f"--to {to} writes one trainer config, and there are {len(req.schedules)} schedules; "
                             "export them one at a time")
        code, what = writer(req.schedules[0], req.steps), f"a {to} config fragment"
    else:
        from ..frameworks.codegen import snippet

        code = "\n\n".join(snippet(s, to, req.steps) for s in req.schedules) + "\n"
        what = f"{to} code for {len(req.schedules)} schedule(s)"
        for s in req.schedules:  # a formula's own momentum (a trainer's cycle) has no framework class to carry it
            if s.params.get("momentum_expr") is not None:
                say(f"warning: {s.label}: the {to} code sets the learning rate only, not its "
                    f"{s.params['momentum_field']} (momentum_expr); set that in the optimizer yourself")
    if path == "-":
        to_stdout(lambda stream: stream.write(code))
        return
    from ..io.files import atomic_write

    atomic_write(path, code)
    say(f"wrote {what} to {path}")


def write_values(schedules: list, columns: list, unit: str, fmt: str, output: str,
                 series: list | None = None) -> None:
    """Write the values in `fmt` to a file, whole or not at all, or to stdout ('-'); with
    `series` (each schedule's evaluate_series) a column per series and parameter group."""
    from ..io.output import WRITERS

    writer = WRITERS[fmt]
    if output == "-":
        to_stdout(lambda stream: writer(stream, unit, schedules, columns, series))
        return
    from ..io.files import _display, _reason, atomic_writer

    try:
        with atomic_writer(output, "w") as stream:
            writer(stream, unit, schedules, columns, series)
    except OSError as exc:  # a full disk midway: the temporary file is already gone
        raise OutputError(f"{_display(output)}: cannot write: {_reason(exc)}") from None
    say(f"wrote {len(columns[0])} {unit}s x {len(columns)} schedule{'s' if len(columns) != 1 else ''} "
        f"to {output}")


def refuse_inputs_as_outputs(req: Any, config: str | None, outputs: dict[str, str | None]) -> None:
    """An output that names one of the inputs (the config, a metric file, a python kind's file)
    would replace what it was made from; so would two outputs naming one file."""
    from ..io.files import _display

    inputs = [path for path in [config, *_schedule_files(req.schedules)] if path]
    seen: dict[tuple, str] = {}
    for option, path in outputs.items():
        if path is None or path == "-":
            continue
        key = _file_key(path)
        for source in inputs:
            if key == _file_key(source):
                raise UsageError(f"{option} {_display(path)} is one of the inputs; "
                                 "write the output to another file")
        if key in seen:
            raise UsageError(f"{option} and {seen[key]} name the same file ({_display(path)}); "
                             "give each its own")
        seen[key] = option


def _file_key(path: str) -> tuple:
    import os

    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except (OSError, ValueError):
        return ("path", os.path.abspath(path))


def _schedule_files(schedules: list) -> list[str]:
    """The files the schedules read: metric files (`file:`) and python targets (`file.py:name`)."""
    found = []
    stack = list(schedules)
    while stack:
        schedule = stack.pop()
        stack.extend(schedule.phases)
        path = schedule.params.get("file")
        if isinstance(path, str):
            found.append(path)
        target = schedule.params.get("target")
        if isinstance(target, str) and ".py:" in target:
            found.append(target.rpartition(":")[0])
    return found


kind_group("export", "Write the learning rate of every step as CSV or JSON, from flags or a YAML file.",
           ["lrsched export cosine --max-lr 0.1 --steps 100 -o cosine.csv",
            "lrsched export cosine --max-lr 6e-4 --min-lr 6e-5 --warmup-steps 20 --steps 100 --to megatron",
            "lrsched export --config configs/decays.yaml --format json -o decays.json"],
           EXPORT_OPTIONS, _export)
