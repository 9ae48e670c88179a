"""Gathering schedules: from a kind's flags, a framework's scheduler as written, --spec strings
or a YAML file, with the run settings decided by their one rule, then evaluated."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..errors import UsageError
from .settings import RuleError, RunSettings, check_file_value, has_lone_surrogate, resolve


class Request:
    """The schedules a command was asked for, evaluated over the run."""

    def __init__(self, schedules: list, run: RunSettings, name: str, plans: list | None = None) -> None:
        from ..core.engine import check_run, check_steps
        from .runplan import Plan, evaluate_plan

        for schedule in schedules:
            if has_lone_surrogate(schedule.label):
                raise UsageError(f"{schedule.where}: label must be valid UTF-8 text (received "
                                 f"{schedule.label!r}; an undecodable byte)")
        from ..core.series import column_count

        check_steps(run.steps, sum(column_count(s) for s in schedules))  # groups and series included
        check_run(schedules, run.steps)  # the schedules' own costs, not only their count
        self.schedules, self.run, self.name = schedules, run, name
        self.messages: list[str] = []  # what a training config said, and where each number came from
        self.plans = plans or [Plan(run.steps) for _ in schedules]
        # Every hyperparameter of each schedule ("lr" first: the columns), core.engine.evaluate_series.
        series = [evaluate_plan(s, p, run) for s, p in zip(schedules, self.plans)]
        self.series = _same_length(series, run, self.plans)
        self.notes: tuple[str, ...] = ()
        if run.normalize == "area":
            self.series, self.notes = _equal_area(self.series, [s.label for s in schedules])
        self.columns = [values["lr"] for values in self.series]

    def marks(self, index: int) -> list[int]:
        """Where something happens in schedule `index` (warmup end, restarts, ...), in updates."""
        from .runplan import plan_marks

        schedule, plan = self.schedules[index], self.plans[index]
        return plan_marks(schedule.marks(plan.calls * self.run.scheduler_steps_per_update), plan, self.run)

    def indexed(self, series: bool = False) -> tuple[str, list[str], list]:
        """The index name, the labels and the columns as the run's unit asks: per update, one row
        per epoch (the value at its first update), or per update with its fractional epoch first.
        With `series`, each schedule's series (a dict, as `self.series`) instead of its LR column."""
        upe, unit = self.run.updates_per_epoch, self.run.unit
        data = self.series if series else self.columns
        if upe is None or unit == "step":
            return unit, self.labels, data
        if unit == "epoch":
            if series:
                return "epoch", self.labels, [_each(d, lambda column: column[::upe]) for d in data]
            return "epoch", self.labels, [column[::upe] for column in data]
        import numpy as np

        epoch = np.arange(self.steps) / upe
        return "step", ["epoch", *self.labels], [{"lr": epoch} if series else epoch, *data]

    def exported(self) -> tuple[str, list[str], list]:
        """The index name, column names and columns as `export` writes them: each series and
        parameter group (io/output.py named_columns), the fractional epoch first with --unit
        step+epoch."""
        from types import SimpleNamespace

        from ..io.output import named_columns

        index, labels, _ = self.indexed()
        _, _, series = self.indexed(series=True)
        epoch = [SimpleNamespace(label=labels[0])] if len(labels) > len(self.labels) else []
        names, columns = named_columns([*epoch, *self.schedules], series)
        return index, names, columns

    def summaries(self, columns: list | None = None) -> list:
        """The summary of each column over its own run (a shorter run's NaN tail left out)."""
        import numpy as np

        from ..core.summary import summarize

        return [summarize(c[~np.isnan(c)]) for c in (self.columns if columns is None else columns)]

    @property
    def derivation(self) -> tuple[str, ...]:
        """How the run's numbers came about, and each schedule's derived warmup."""
        notes = tuple(f"{s.label}: {p.note}" for s, p in zip(self.schedules, self.plans) if p.note)
        return (*self.run.derivation, *notes, *self.notes)

    @property
    def steps(self) -> int:
        return len(self.columns[0]) if self.columns else self.run.steps

    @property
    def unit(self) -> str:
        return self.run.unit

    @property
    def title(self) -> str | None:
        return self.run.title

    @property
    def labels(self) -> list[str]:
        return [s.label for s in self.schedules]


def _each(values: dict, change: Any) -> dict:
    """A schedule's series (evaluate_series), each changed alike."""
    return {key: change(column) for key, column in values.items()}


def _same_length(series: list, run: RunSettings, plans: list) -> list:
    """Schedules with their own `steps:` run shorter or longer than the others: every column is
    as long as the longest run, a shorter one ending in NaN (no value: its run is over)."""
    if all(p.length is None for p in plans):
        return series
    import numpy as np

    from .settings import DEFAULT

    floor = run.steps if run.sources.get("steps") != DEFAULT or any(p.length is None for p in plans) else 0
    length = max(floor, *(len(values["lr"]) for values in series))

    def padded(c: Any) -> Any:
        return c if len(c) == length else np.concatenate([c, np.full(length - len(c), np.nan)])

    return [_each(values, padded) for values in series]


def _equal_area(series: list, labels: list[str]) -> tuple[list, tuple[str, ...]]:
    """Each schedule's learning rates (its parameter groups' too, not its momentum) scaled so that
    its LR area (its sum over its run) equals the first's, as scaling-law comparisons do; the
    factors are said."""
    import numpy as np

    areas = [float(np.nansum(values["lr"])) for values in series]
    if not all(area > 0 for area in areas):
        bad = labels[next(i for i, area in enumerate(areas) if not area > 0)]
        raise UsageError(f"--normalize area needs every schedule's LR area > 0 ({bad}'s is "
                         f"{areas[labels.index(bad)]})")
    factors = [areas[0] / area for area in areas]
    said = ", ".join(f"{label} x{factor:.6g}" for label, factor in zip(labels[1:], factors[1:]))
    note = f"normalized to the LR area of {labels[0]} ({areas[0]:.6g})" + (f": {said}" if said else "")
    scaled = [{key: c * f if key.startswith("lr") else c for key, c in values.items()}
              for values, f in zip(series, factors)]
    return scaled, (note,)


def gather(*, flags: Mapping[str, Any], allow_import: bool = False, **sources: Any) -> Request:
    """The schedules of one source, evaluated; `flags` are the run settings the command line gave.

    The python kind may import user code only inside this call, and only with `allow_import`.
    """
    from ..core.pykind import allowed_imports

    from ..trainers import collected

    with allowed_imports(allow_import), collected() as messages:
        request = _gather(flags, **sources)
    request.messages = messages  # what each training config said, for the command to print
    return request


def _gather(flags: Mapping[str, Any], kind_mapping: dict | None = None, framework: str | None = None,
            config: str | None = None, spec: list[str] | None = None, label: str | None = None,
            trainer: str | None = None, dialect: str | None = None) -> Request:
    from ..core.engine import build, check_steps, natural_steps
    from ..io.config import build_all, from_framework, parse_spec, read_config
    from ..trainers import detects, is_trainer_source

    from .runplan import expand_branches, fill_horizon, prepare

    _one_source(kind_mapping or framework or trainer, config, spec, label)
    if config is not None and (dialect is not None or detects(config)):
        trainer, config = config, None  # --config ds_config.json: a training config
    if trainer is not None:
        return _from_trainer(flags, trainer, dialect, label)
    if dialect is not None:
        raise UsageError("--dialect names the dialect of a training config: give the config's file "
                         "(or NAME:--flags text) instead of a kind or --spec")
    if kind_mapping is not None or framework is not None:
        if framework is not None:
            run = resolve(flags)
            kind_mapping = from_framework(fill_horizon(framework, run), flags.get("base_lr"), "schedule")
            run = resolve(flags, defaults={"steps": natural_steps(kind_mapping)})
        else:
            run = resolve(flags)
        check_steps(run.steps)  # before building: a feedback kind allocates its metric
        if label is not None:
            kind_mapping["label"] = label
        mapping, horizon, plan = prepare(kind_mapping, run, kind_mapping["kind"])
        schedule = build(mapping, horizon, kind_mapping["kind"])
        return Request([schedule], run, schedule.label, [plan])
    plans: list = []

    def adapt(mapping: Any, where: str) -> tuple[Any, int]:
        mapping, horizon, plan = prepare(mapping, run, where)
        plans.append(plan)
        return mapping, horizon

    if config is not None:
        if not config.strip():
            raise UsageError(f"the config must be a file name (received {config!r})")
        file = read_config(config)
        run = resolve(flags, file.settings, source=file.name)
        check_steps(run.steps, len(file.items))
        items = expand_branches([fill_horizon(item, run) for item in file.items])
        schedules = build_all(items, run.steps, file.name, base_lr=run.base_lr, prepare=adapt)
        return Request(schedules, run, Path(config).stem, plans)
    from ..frameworks import is_framework_spec

    run = resolve(flags)
    check_steps(run.steps, len(spec or ()))
    items = expand_branches([fill_horizon(text, run) if is_framework_spec(text)
                             else text if is_trainer_source(text) else parse_spec(text) for text in spec or ()])
    schedules = build_all(items, run.steps, "--spec", base_lr=run.base_lr, prepare=adapt)
    return Request(schedules, run, "-".join(s.label for s in schedules)[:60], plans)


def _from_trainer(flags: Mapping[str, Any], source: str, dialect: str | None, label: str | None) -> Request:
    """A training config: its schedule, and its numbers as the file layer of the run settings."""
    from ..core.engine import build, check_steps
    from ..trainers import read
    from .settings import BY_NAME

    reading = read(source, dialect, overrides=flags)
    file = {}
    for name, value in _run_layer(reading.run, counts_epochs=flags.get("dataset_size") is not None).items():
        if name in BY_NAME:
            try:
                file[name] = check_file_value(name, value)
            except RuleError:
                raise UsageError(f"{reading.source}: {name} must be {BY_NAME[name].rule} (received {value!r} "
                                 f"from {reading.origins.get(name, 'the file')})") from None
    run = resolve(flags, file, source=reading.source)
    check_steps(run.steps)
    mapping = dict(reading.schedule, **({"label": label} if label is not None else {}))
    schedule = build(mapping, run.steps, mapping["label"])
    name = Path(source).stem if Path(reading.source).is_file() else reading.dialect
    return Request([schedule], run, name)


#: The run settings from which the run geometry derives the number of updates (app/settings.py).
_LENGTH_SOURCES = ("epochs", "samples", "tokens", "max_steps", "dataset_size", "batch_size", "world_size",
                   "grad_accum", "steps_per_epoch", "warmup_ratio", "seq_len")


#: What a config's batch sizes are kept for when the command line gives --dataset-size: its epochs.
_BATCH_SIZES = ("batch_size", "world_size", "grad_accum", "drop_last")


def _run_layer(run: Mapping[str, Any], counts_epochs: bool = False) -> dict[str, Any]:
    """A training config's numbers as the file layer of the run settings. Where its trainer has
    already decided the number of updates (`steps`), with its own arithmetic (Megatron's global
    batch, DeepSpeed's train_batch_size), that number stands: the geometry it came from is said
    in the messages but not derived again by lrsched's rules, which might round it otherwise.
    With `counts_epochs` (a --dataset-size on the command line) the batch sizes stay, so that the
    dataset gives the epochs their updates."""
    if run.get("steps") is None:
        return dict(run)
    kept = _BATCH_SIZES if counts_epochs else ()
    return {name: value for name, value in run.items() if name not in _LENGTH_SOURCES or name in kept}


def _one_source(kind: Any, config: str | None, spec: list[str] | None, label: str | None) -> None:
    """Exactly one source of schedules; an option that would be ignored is refused instead."""
    if kind is None and config is None and not spec:
        raise UsageError("give a KIND (see 'lrsched list'), --spec or --config FILE.yaml")
    if kind is not None and (config is not None or spec):
        raise UsageError(f"give either a KIND or {'--config' if config is not None else '--spec'}, not both")
    if config is not None and spec:
        raise UsageError("give either --config or --spec, not both")
    if kind is None and label is not None:
        raise UsageError("--label names the schedule of a KIND; in a config or a --spec, "
                         "give each schedule its label: instead")
