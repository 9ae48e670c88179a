"""Gathering schedules: from a kind's flags, a framework's scheduler as written, --spec strings
or a YAML file, with the run settings decided by their one rule, then evaluated."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..errors import UsageError
from .settings import RuleError, RunSettings, check_file_value, has_lone_surrogate, resolve


class Request:
    """The schedules a command was asked for, evaluated over the run."""

    def __init__(self, schedules: list, run: RunSettings, name: str) -> None:
        from ..core.engine import check_steps, evaluate

        for schedule in schedules:
            if has_lone_surrogate(schedule.label):
                raise UsageError(f"{schedule.where}: label must be valid UTF-8 text (received "
                                 f"{schedule.label!r}; an undecodable byte)")
        check_steps(run.steps, len(schedules))
        self.schedules, self.run, self.name = schedules, run, name
        self.messages: list[str] = []
        self.columns = [evaluate(s, run.steps) for s in schedules]

    @property
    def steps(self) -> int:
        return self.run.steps

    @property
    def unit(self) -> str:
        return self.run.unit

    @property
    def title(self) -> str | None:
        return self.run.title

    @property
    def labels(self) -> list[str]:
        return [s.label for s in self.schedules]


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

    _one_source(kind_mapping or framework or trainer, config, spec, label)
    if config is not None and (dialect is not None or detects(config)):
        trainer, config = config, None  # --config ds_config.json: a training config
    if trainer is not None:
        return _from_trainer(flags, trainer, dialect, label)
    if dialect is not None:
        raise UsageError("--dialect names the dialect of a training config: give the config's file "
                         "(or NAME:--flags text) instead of a kind or --spec")
    if framework is not None:
        kind_mapping = from_framework(framework, flags.get("base_lr"), "schedule")
    if kind_mapping is not None:
        defaults = {"steps": natural_steps(kind_mapping)} if framework is not None else {}
        run = resolve(flags, defaults=defaults)
        check_steps(run.steps)  # before building: a feedback kind allocates its metric
        if label is not None:
            kind_mapping["label"] = label
        schedule = build(kind_mapping, run.steps, kind_mapping["kind"])
        return Request([schedule], run, schedule.label)
    if config is not None:
        if not config.strip():
            raise UsageError(f"the config must be a file name (received {config!r})")
        file = read_config(config)
        run = resolve(flags, file.settings, source=file.name)
        check_steps(run.steps, len(file.items))
        return Request(build_all(file.items, run.steps, file.name, base_lr=run.base_lr), run, Path(config).stem)
    from ..frameworks import is_framework_spec

    run = resolve(flags)
    check_steps(run.steps, len(spec or ()))
    items = [text if is_framework_spec(text) or is_trainer_source(text) else parse_spec(text) for text in spec or ()]
    schedules = build_all(items, run.steps, "--spec", base_lr=run.base_lr)
    return Request(schedules, run, "-".join(s.label for s in schedules)[:60])


def _from_trainer(flags: Mapping[str, Any], source: str, dialect: str | None, label: str | None) -> Request:
    """A training config: its schedule, and its numbers as the file layer of the run settings."""
    from ..core.engine import build, check_steps
    from ..trainers import read
    from .settings import BY_NAME

    reading = read(source, dialect, overrides=flags)
    file = {}
    for name, value in reading.run.items():
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
