"""YAML configuration files: `{steps: N, schedules: [{kind: ..., label: ..., <parameters>}, ...]}`."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..app.settings import SETTINGS, RuleError, check_file_value, resolve
from ..core.engine import Schedule, build
from ..core.registry import did_you_mean, format_value
from ..core.series import SCHEDULE_PARAM_NAMES
from ..errors import ConfigError, SpecError

TOP_KEYS = (*(s.name for s in SETTINGS if s.group == "top"), "run", "schedules")
RUN_KEYS = tuple(s.name for s in SETTINGS if s.group == "run")
#: Keys a schedule entry may carry for the run (app/runplan.py), `from:` entries included.
RUN_ENTRY_KEYS = ("per", "stepping", "warmup_epochs", "steps")
FROM_KEYS = ("from", "base_lr", "metric", "label", "dialect", *RUN_ENTRY_KEYS, *SCHEDULE_PARAM_NAMES)


@dataclass
class ConfigFile:
    """A config as read: its run settings (checked) and its schedules as written."""

    name: str
    settings: dict[str, Any]
    items: list


@dataclass
class Config:
    steps: int
    unit: str
    title: str | None
    schedules: list[Schedule]


def read_config(path: str | Path) -> ConfigFile:
    """Read a config file and check its keys and run settings; the schedules are built later,
    once the command line has had its say about the settings."""
    from .files import load_yaml

    name = str(path)
    data = load_yaml(path)
    if data is None:
        raise ConfigError(f"{name}: the file is empty; expected a mapping with 'schedules'")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{_at(name, data)}: expected a mapping with 'schedules' at the top "
                          f"(received {_describe(data)})")
    _known_keys(data, name, TOP_KEYS, RUN_KEYS, "; {key} belongs in the run: block (run: {{{key}: ...}})")
    settings = _checked_settings(data, name, "top")
    if "run" in data:
        settings.update(_run_block(data, name))
    return ConfigFile(name, settings, _schedule_list(data, name))


def _checked_settings(data: Mapping, name: str, group: str, prefix: str = "") -> dict[str, Any]:
    settings = {}
    for setting in SETTINGS:
        if setting.group == group and setting.name in data:
            try:
                settings[setting.name] = check_file_value(setting.name, data[setting.name])
            except RuleError:
                raise ConfigError(f"{_at(name, data, setting.name)}: {prefix}{setting.name} must be {setting.rule} "
                                  f"(received {_describe(data[setting.name])})") from None
    return settings


def _run_block(data: Mapping, name: str) -> dict[str, Any]:
    """The `run:` block: the run geometry (dataset_size, batch_size, epochs, ...), checked."""
    block = data["run"]
    if not isinstance(block, Mapping):
        raise ConfigError(f"{_at(name, data, 'run')}: run must be a mapping of {', '.join(RUN_KEYS[:3])}, ... "
                          f"(received {_describe(block)})")
    _known_keys(block, name, RUN_KEYS, TOP_KEYS, "; {key} is written at the top of the file, beside run:", "run: ")
    return _checked_settings(block, name, "run", "run: ")


def _known_keys(data: Mapping, name: str, allowed: Sequence[str], elsewhere: Sequence[str], moved: str,
                prefix: str = "") -> None:
    """Refuse an unknown key, suggesting a near name, or the place where the key belongs."""
    for key in data:
        if key not in allowed:
            hint = did_you_mean(key, allowed) or f"; allowed: {', '.join(allowed)}"
            if key in elsewhere:
                hint = moved.format(key=key)
            raise ConfigError(f"{_at(name, data, key)}: {prefix}unknown key {format_value(key)}{hint}")


def load_config(path: str | Path, steps: int | None = None, base_lr: float | None = None) -> Config:
    """Read, check and build a config; `steps` and `base_lr` from the command line win over the file's."""
    file = read_config(path)
    run = resolve({"steps": steps, "base_lr": base_lr}, file.settings, source=file.name)
    schedules = build_all(file.items, run.steps, file.name, base_lr=run.base_lr)
    return Config(steps=run.steps, unit=run.unit, title=run.title, schedules=schedules)


def build_all(mappings: Sequence[Any], steps: int, source: str, base_lr: Any = None,
              prepare: Any = None) -> list[Schedule]:
    """Build every schedule of a list, naming the source and position in errors; unique labels.

    An item may also be a framework's scheduler as written, `"torch:StepLR(step_size=30)"`, or
    `{from: "torch:...", base_lr: 0.1, label: ..., metric: [...]}`; `base_lr` defaults to the file's.
    `prepare(mapping, where) -> (mapping, horizon)` adapts each translated mapping to the run.
    """
    schedules = []
    for i, mapping in enumerate(mappings):
        where = f"{source}: schedule {i + 1}"
        line = _line(mapping)
        if line:
            where = f"{source}:{line}: schedule {i + 1}"
        try:
            mapping = from_trainer(mapping, where, source)
            mapping = from_framework(mapping, base_lr, where)
            horizon = steps
            if prepare is not None:  # the run's say: per epoch, warmup ratio (app/runplan.py)
                mapping, horizon = prepare(mapping, where)
            schedules.append(build(mapping, horizon, where))
        except SpecError as exc:
            raise ConfigError(str(exc)) from None
    unique_labels(schedules)
    return schedules


def from_trainer(item: Any, where: str, source: str) -> Any:
    """A training config (a file, relative to the YAML file or the working directory, or
    `megatron:--flags`), as a string or a `from:` mapping, as an lrsched mapping; others unchanged."""
    from ..trainers import is_trainer_source, read

    text = item.get("from") if isinstance(item, Mapping) else item
    if not isinstance(text, str):
        return item
    folder = Path(source).parent if Path(source).is_file() else None
    nearby = str(folder / text) if folder is not None else text
    extra = dict(item) if isinstance(item, Mapping) else {}
    if not is_trainer_source(text):
        if not is_trainer_source(nearby):
            if "dialect" in extra:
                raise SpecError(f"{where}: 'dialect' names the dialect of a training config, and "
                                f"{format_value(text)} is not a file")
            return item
        text = nearby
    for key in extra:
        if key not in FROM_KEYS or key == "metric":
            hint = did_you_mean(key, FROM_KEYS) or "; a training config takes: from, base_lr, label, dialect"
            raise SpecError(f"{where}: unknown key {format_value(key)}{hint}")
    try:
        mapping = dict(read(text, extra.get("dialect"), overrides={"base_lr": extra.get("base_lr")}).schedule)
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None
    if "label" in extra:
        mapping["label"] = extra["label"]
    return mapping


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
    for key in ("label", *RUN_ENTRY_KEYS, *SCHEDULE_PARAM_NAMES):
        if key in item:
            mapping[key] = item[key]
    return mapping


def unique_labels(schedules: list[Schedule]) -> None:
    """Label repeats get a suffix: cosine, cosine-2, cosine-3.

    Linear in the number of schedules: each label remembers the last suffix it handed out, so
    a thousand repeats never rescan the suffixes already taken.
    """
    taken = {s.label for s in schedules}
    seen: set[str] = set()
    next_suffix: dict[str, int] = {}
    for schedule in schedules:
        label = schedule.label
        if label not in seen:
            seen.add(label)
            continue
        count = next_suffix.get(label, 2)
        while f"{label}-{count}" in taken:
            count += 1
        schedule.label = f"{label}-{count}"
        taken.add(schedule.label)
        next_suffix[label] = count + 1


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

    Values are read as YAML scalars, flow lists (`milestones=[30,60]`) or flow mappings; commas inside brackets,
    braces or quotes do not split.
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
        elif char in "[({":  # {...}: a flow mapping, such as weight_decay={kind: cosine, ...}
            depth += 1
        elif char in "])}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]
