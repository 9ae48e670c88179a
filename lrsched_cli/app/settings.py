"""The run settings: one value, one rule. The command line wins, then the file, then the defaults.

Each setting is defined once, in `SETTINGS`: its command-line flag, its YAML key, its rule and its
default. The flags, the config reader and the tests all take it from there; a new setting (the run
geometry of a training run: dataset size, batch size, epochs, ...) is one more row.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..core.geometry import ACCUM_RULES
from ..errors import UsageError

#: What the index counts. With a training run that knows its updates per epoch, "step" is the
#: optimizer update, "epoch" one row per epoch, "step+epoch" the update with its fractional epoch.
UNITS = ("epoch", "step", "step+epoch")
COMMAND_LINE = "the command line"
DEFAULT = "the default"


class RuleError(ValueError):
    """A value breaks its setting's rule; the caller says where the value came from."""


def has_lone_surrogate(text: str) -> bool:
    """Undecodable bytes (in argv, or a YAML "\\udcff") reach Python as lone surrogates, which
    no file, table or figure can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@dataclass(frozen=True)
class Setting:
    """One run setting: `check` turns a value (from a flag's text or from YAML) into the setting's
    value or raises RuleError; `rule` finishes the sentence "<name> must be ..."."""

    name: str
    flag: str
    rule: str
    check: Callable[[Any], Any]
    from_text: Callable[[str], Any]
    default: Any = None
    group: str = "top"  # "run": the run geometry, a flag and a key of the YAML `run:` block
    help: str = ""  # the run flags' help (the top settings' flags are written in cli/options.py)
    metavar: str | None = None


def integer_text(text: str) -> Any:
    """Integers, also written as 1e6 (ASCII only: int() would take '٣', float() '1_0')."""
    text = text.strip()
    if not text or not text.isascii() or "_" in text:
        raise RuleError(text)
    try:
        return int(text)
    except ValueError:  # 1e6, 2.5, or more digits than Python converts
        number = float(text)
        return int(number) if number.is_integer() else number


def _number_text(text: str) -> float:
    if not text.strip().isascii() or "_" in text:
        raise RuleError(text)
    return float(text)


def _steps(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(value)
    if isinstance(value, float) and not value.is_integer() or value < 1:
        raise RuleError(value)
    return int(value)


def _unit(value: Any) -> str:
    if not isinstance(value, str) or value not in UNITS:
        raise RuleError(value)
    return value


def _positive(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(value)
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise RuleError(value)
    return value


def _count(value: Any) -> int:
    """A count of samples, devices, ...: an integer >= 1 (1e6 too, as YAML and argv write it)."""
    return _steps(value)


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise RuleError(value)
    return float(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise RuleError(value)
    return value


def _bool_text(text: str) -> bool:
    words = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
    if text.strip().lower() not in words:
        raise RuleError(text)
    return words[text.strip().lower()]


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise RuleError(value)
        return value
    return check


def _epochs(value: Any) -> float | int:
    """Epochs may be fractional (2.5 epochs: ceil(2.5 x updates per epoch) updates)."""
    number = _positive(value)
    return int(number) if number.is_integer() else number


def _text(value: Any) -> str:
    if not isinstance(value, str) or has_lone_surrogate(value):
        raise RuleError(value)
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting("steps", "--steps", "an integer >= 1", _steps, integer_text, default=100),
    Setting("unit", "--unit", f"one of: {', '.join(UNITS)}", _unit, str, default="epoch"),
    Setting("base_lr", "--base-lr", "a number > 0", _positive, _number_text),
    Setting("title", "--title", "valid UTF-8 text", _text, str),
    Setting("normalize", "--normalize", "one of: none, area", _choice(("none", "area")), str, default="none"),
    *(Setting(name, "--" + name.replace("_", "-"), rule, check, parse, default, "run", help, metavar)
      for name, rule, check, parse, default, help, metavar in (
        ("dataset_size", "an integer >= 1", _count, integer_text, None,
         "samples in the training set: with --batch-size gives the updates per epoch", "N"),
        ("batch_size", "an integer >= 1", _count, integer_text, None, "samples per device and batch", "B"),
        ("world_size", "an integer >= 1", _count, integer_text, 1, "devices (data-parallel processes) "
         "[default: 1]", "G"),
        ("grad_accum", "an integer >= 1", _count, integer_text, 1, "batches accumulated into one optimizer "
         "update [default: 1]", "A"),
        ("drop_last", "true or false", _flag, _bool_text, False, "drop the last partial batch, as "
         "DataLoader(drop_last=True) [default: off]", None),
        ("steps_per_epoch", "an integer >= 1", _count, integer_text, None, "optimizer updates per epoch, "
         "given directly instead of the dataset", "U"),
        ("epochs", "a number > 0", _epochs, _number_text, None, "epochs to train, may be fractional: "
         "ceil(E x updates per epoch) updates", "E"),
        ("max_steps", "an integer >= 1", _count, integer_text, None, "total optimizer updates; beats "
         "--epochs as in the Hugging Face Trainer", "M"),
        ("warmup_ratio", "a number from 0 to below 1", _fraction, _number_text, None, "warmup steps = "
         "ceil(r x total updates), the Hugging Face rule, for schedules that state no warmup", "r"),
        ("tokens", "an integer >= 1", _count, integer_text, None, "tokens to train on: floor(T / (B x G x "
         "A x L)) updates", "T"),
        ("seq_len", "an integer >= 1", _count, integer_text, None, "tokens per sample (sequence length)", "L"),
        ("samples", "an integer >= 1", _count, integer_text, None, "samples to train on: floor(S / (B x G "
         "x A)) updates", "S"),
        ("accum_rule", f"one of: {', '.join(ACCUM_RULES)}", _choice(tuple(ACCUM_RULES)), str, "ceil",
         "how a last partial accumulation counts: ceil (HF 5.x, Lightning) or floor (HF 4.x) "
         "[default: ceil]", "ceil|floor"),
        ("scheduler_steps_per_update", "an integer >= 1", _count, integer_text, 1, "scheduler.step() calls "
         "per optimizer update: Accelerate steps it once per process [default: 1]", "K"),
    )),
)
BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class RunSettings:
    """What a run is, whatever said it. `sources` names, for each setting, who decided it."""

    steps: int
    unit: str
    base_lr: float | None = None
    title: str | None = None
    normalize: str = "none"  # "area": every schedule scaled to the first's LR area
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    # the run geometry as given (None: not given) ...
    dataset_size: int | None = None
    batch_size: int | None = None
    world_size: int = 1
    grad_accum: int = 1
    drop_last: bool = False
    steps_per_epoch: int | None = None
    epochs: float | None = None
    max_steps: int | None = None
    warmup_ratio: float | None = None
    tokens: int | None = None
    seq_len: int | None = None
    samples: int | None = None
    accum_rule: str = "ceil"
    scheduler_steps_per_update: int = 1
    # ... and what it comes to (core/geometry.py): steps is then the run's total updates
    updates_per_epoch: int | None = None
    warmup: int | None = None  # warmup updates from warmup_ratio
    tokens_per_update: int | None = None
    derivation: tuple[str, ...] = ()  # "1221 updates = 3 epochs x 407 updates/epoch", ...
    notes: tuple[str, ...] = ()  # said, not refused: "the batch is larger than the dataset", ...

    @property
    def epochs_run(self) -> int | None:
        """Epochs the run starts (a fractional last one counts), when it knows its updates per epoch."""
        return None if self.updates_per_epoch is None else -(-self.steps // self.updates_per_epoch)


def from_flag(name: str, text: str | bool | None) -> Any:
    """A flag's value by its setting's rule, None when the flag was not given (a switch left off
    is not given either, so it does not override a file's `drop_last: true`)."""
    if text is None or text is False:
        return None
    setting = BY_NAME[name]
    if text is True:
        return setting.check(True)
    try:
        return setting.check(setting.from_text(text))
    except (RuleError, ValueError, OverflowError):
        raise UsageError(f"{setting.flag} must be {setting.rule} (received {text!r})") from None


def check_file_value(name: str, value: Any) -> Any:
    """A file's value by its setting's rule; RuleError for the caller to place in the file."""
    return BY_NAME[name].check(value)


def resolve(flags: Mapping[str, Any], file: Mapping[str, Any] | None = None, *, source: str = "the file",
            defaults: Mapping[str, Any] | None = None) -> RunSettings:
    """The one rule: a setting given on the command line wins, then the file's, then the default.

    `flags` and `file` hold checked values (None or absent: not given); `defaults` overrides a
    setting's own default for this run (a framework scheduler's own length, compare's unit).
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        default = (defaults or {}).get(setting.name)
        for layer, value in ((COMMAND_LINE, flags.get(setting.name)),
                             (source, (file or {}).get(setting.name)),
                             (DEFAULT, setting.default if default is None else default)):
            if value is not None:
                values[setting.name], sources[setting.name] = value, layer
                break
    return _with_geometry(values, sources, source)


def _with_geometry(values: dict[str, Any], sources: dict[str, str], file: str) -> RunSettings:
    """The run's numbers from its geometry; the settings that fix the total are ranked by source
    (the command line, then the file); `steps` becomes the total updates when the run has one."""
    from ..core.geometry import GeometryError, derive

    rank = {COMMAND_LINE: 0, file: 1}
    ranks = {name: rank[layer] for name, layer in sources.items() if layer in rank}
    given = {name: value for name, value in values.items()
             if name in ranks or BY_NAME[name].group == "run" and name in values}
    from_cli = any(layer == COMMAND_LINE for name, layer in sources.items() if BY_NAME[name].group == "run")

    def name(key: str) -> str:
        layer = sources.get(key) if key in ranks else (COMMAND_LINE if from_cli else file)
        return BY_NAME[key].flag if layer == COMMAND_LINE else key

    try:
        geometry = derive(given, ranks, name)
    except GeometryError as exc:
        where = "" if all(layer != file for layer in sources.values()) else f"{file}: run: "
        raise UsageError(f"{where}{exc}") from None
    if geometry.total is not None:
        values["steps"] = geometry.total
        if "steps" not in ranks:
            sources["steps"] = "the run"
    if sources.get("unit") == DEFAULT and (geometry.derived or geometry.updates_per_epoch):
        values["unit"] = "step"  # the run counts optimizer updates
    if values.get("unit") == "step+epoch" and geometry.updates_per_epoch is None:
        raise UsageError(f"{name('unit') if 'unit' in ranks else '--unit'} step+epoch needs the updates per "
                         "epoch: give --dataset-size and --batch-size, or --steps-per-epoch")
    return RunSettings(**values, sources=sources, updates_per_epoch=geometry.updates_per_epoch,
                       warmup=geometry.warmup, tokens_per_update=geometry.tokens_per_update,
                       derivation=geometry.lines, notes=geometry.notes)
