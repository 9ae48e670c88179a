"""Gathering schedules: from a kind's flags, a framework's scheduler as written, --spec strings
or a YAML file, with the run settings decided by their one rule, then evaluated."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..errors import UsageError
from .settings import RunSettings, has_lone_surrogate, resolve


class Request:
    """The schedules a command was asked for, evaluated over the run."""

    def __init__(self, schedules: list, run: RunSettings, name: str) -> None:
        from ..core.engine import check_run, evaluate

        for schedule in schedules:
            if has_lone_surrogate(schedule.label):
                raise UsageError(f"{schedule.where}: label must be valid UTF-8 text (received "
                                 f"{schedule.label!r}; an undecodable byte)")
        check_run(schedules, run.steps)  # the schedules' own costs, not only their count
        self.schedules, self.run, self.name = schedules, run, name
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

    with allowed_imports(allow_import):
        return _gather(flags, **sources)


def _gather(flags: Mapping[str, Any], kind_mapping: dict | None = None, framework: str | None = None,
            config: str | None = None, spec: list[str] | None = None, label: str | None = None) -> Request:
    from ..core.engine import build, check_steps, natural_steps
    from ..io.config import build_all, from_framework, parse_spec, read_config

    _one_source(kind_mapping or framework, config, spec, label)
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
    items = [text if is_framework_spec(text) else parse_spec(text) for text in spec or ()]
    schedules = build_all(items, run.steps, "--spec", base_lr=run.base_lr)
    return Request(schedules, run, "-".join(s.label for s in schedules)[:60])


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
