"""YAML configuration files: `{steps: N, schedules: [{kind: ..., label: ..., <parameters>}, ...]}`."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..core.engine import DEFAULT_STEPS, Schedule, build
from ..errors import ConfigError, SpecError
from ..core.registry import did_you_mean, format_value

TOP_KEYS = ("steps", "unit", "title", "base_lr", "schedules")
FROM_KEYS = ("from", "base_lr", "metric", "label")
UNITS = ("epoch", "step")


@dataclass
class Config:
    steps: int
    unit: str
    title: str | None
    schedules: list[Schedule]


def load_config(path: str | Path, steps: int | None = None, base_lr: float | None = None) -> Config:
    """Read and check a config file; `steps` from the command line overrides the file's."""
    from .files import load_yaml

    name = str(path)
    data = load_yaml(path)
    if data is None:
        raise ConfigError(f"{name}: the file is empty; expected a mapping with 'schedules'")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{_at(name, data)}: expected a mapping with 'schedules' at the top "
                          f"(received {_describe(data)})")
    for key in data:
        if key not in TOP_KEYS:
            hint = did_you_mean(key, TOP_KEYS) or f"; allowed: {', '.join(TOP_KEYS)}"
            raise ConfigError(f"{_at(name, data, key)}: unknown key {format_value(key)}{hint}")
    if steps is None:
        steps = _file_steps(data, name)
    unit = data.get("unit", "epoch")
    if not isinstance(unit, str) or unit not in UNITS:
        raise ConfigError(f"{_at(name, data, 'unit')}: unit must be one of: {', '.join(UNITS)} "
                          f"(received {_describe(unit)})")
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise ConfigError(f"{_at(name, data, 'title')}: title must be text (received {_describe(title)})")
    base_lr = data.get("base_lr", base_lr)
    schedules = build_all(_schedule_list(data, name), steps, name, base_lr=base_lr)
    return Config(steps=steps, unit=unit, title=title, schedules=schedules)


def build_all(mappings: Sequence[Any], steps: int, source: str, base_lr: Any = None) -> list[Schedule]:
    """Build every schedule of a list, naming the source and position in errors; unique labels.

    An item may also be a framework's scheduler as written, `"torch:StepLR(step_size=30)"`, or
    `{from: "torch:...", base_lr: 0.1, label: ..., metric: [...]}`; `base_lr` defaults to the file's.
    """
    schedules = []
    for i, mapping in enumerate(mappings):
        where = f"{source}: schedule {i + 1}"
        line = _line(mapping)
        if line:
            where = f"{source}:{line}: schedule {i + 1}"
        try:
            mapping = from_framework(mapping, base_lr, where)
            schedules.append(build(mapping, steps, where))
        except SpecError as exc:
            raise ConfigError(str(exc)) from None
    unique_labels(schedules)
    return schedules


def from_framework(item: Any, base_lr: Any, where: str) -> Any:
    """A framework scheduler (string or `from:` mapping) as an lrsched mapping; others unchanged."""
    from ..frameworks import is_framework_spec, translate

    if is_framework_spec(item):
        item = {"from": item}
    if not isinstance(item, Mapping) or "from" not in item:
        return item
    for key in item:
        if key not in FROM_KEYS:
            hint = did_you_mean(key, FROM_KEYS) or f"; a 'from' schedule takes: {', '.join(FROM_KEYS)}"
            raise SpecError(f"{where}: unknown key {format_value(key)}{hint}")
    try:
        mapping = translate(item["from"], base_lr=item.get("base_lr", base_lr), metric=item.get("metric"))
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None
    if "label" in item:
        mapping["label"] = item["label"]
    return mapping


def unique_labels(schedules: list[Schedule]) -> None:
    """Label repeats get a suffix: cosine, cosine-2, cosine-3."""
    seen: dict[str, int] = {}
    taken = {s.label for s in schedules}
    for schedule in schedules:
        count = seen.get(schedule.label, 0) + 1
        seen[schedule.label] = count
        if count > 1:
            label = f"{schedule.label}-{count}"
            while label in taken:
                count += 1
                label = f"{schedule.label}-{count}"
            taken.add(label)
            schedule.label = label


def _file_steps(data: Mapping, name: str) -> int:
    steps = data.get("steps", DEFAULT_STEPS)
    if isinstance(steps, bool) or not isinstance(steps, (int, float)) or not float(steps).is_integer() \
            or steps < 1:
        raise ConfigError(f"{_at(name, data, 'steps')}: steps must be an integer >= 1 "
                          f"(received {_describe(steps)})")
    return int(steps)


def _schedule_list(data: Mapping, name: str) -> list:
    if "schedules" not in data:
        raise ConfigError(f"{name}: missing 'schedules' (a list of {{kind: ..., ...}} mappings)")
    schedules = data["schedules"]
    if not isinstance(schedules, list):
        raise ConfigError(f"{_at(name, data, 'schedules')}: schedules must be a list of mappings "
                          f"(received {_describe(schedules)})")
    if not schedules:
        raise ConfigError(f"{_at(name, data, 'schedules')}: schedules is empty")
    return schedules


def _line(node: Any) -> int | None:
    return getattr(node, "line", None)


def _at(name: str, data: Any, key: Any = None) -> str:
    """`file:line` of a top-level key (or of the document), as far as the loader knows it."""
    lines = getattr(data, "key_lines", None) or {}
    line = lines.get(key) if key is not None else None
    line = line or _line(data)
    return f"{name}:{line}" if line else name


def _describe(value: Any) -> str:
    """A received value for a message: containers by their kind, scalars as written."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return format_value(value)


def parse_spec(text: str) -> dict[str, Any]:
    """A compact spec string, `kind:key=value,key=value`, as a mapping.

    Values are read as YAML scalars or flow lists (`milestones=[30,60]`); commas inside brackets
    or quotes do not split.
    """
    from .files import loads_yaml

    kind, _, rest = text.partition(":")
    mapping: dict[str, Any] = {"kind": kind.strip()}
    for item in _split_items(rest):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"spec {text!r}: expected key=value (received {item!r})")
        try:
            mapping[key.strip()] = loads_yaml(value, name="spec") if value.strip() else None
        except ConfigError:
            mapping[key.strip()] = value
    return mapping


def _split_items(text: str) -> list[str]:
    items, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "," and depth == 0:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]
