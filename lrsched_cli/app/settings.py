"""The run settings: one value, one rule. The command line wins, then the file, then the defaults.

Each setting is defined once, in `SETTINGS`: its command-line flag, its YAML key, its rule and its
default. The flags, the config reader and the tests all take it from there; a new setting (the run
geometry of a training run: dataset size, batch size, epochs, ...) is one more row.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..errors import UsageError

UNITS = ("epoch", "step")
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


def _text(value: Any) -> str:
    if not isinstance(value, str) or has_lone_surrogate(value):
        raise RuleError(value)
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting("steps", "--steps", "an integer >= 1", _steps, integer_text, default=100),
    Setting("unit", "--unit", f"one of: {', '.join(UNITS)}", _unit, str, default="epoch"),
    Setting("base_lr", "--base-lr", "a number > 0", _positive, _number_text),
    Setting("title", "--title", "valid UTF-8 text", _text, str),
)
BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class RunSettings:
    """What a run is, whatever said it. `sources` names, for each setting, who decided it."""

    steps: int
    unit: str
    base_lr: float | None = None
    title: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)


def from_flag(name: str, text: str | None) -> Any:
    """A flag's value by its setting's rule, None when the flag was not given."""
    if text is None:
        return None
    setting = BY_NAME[name]
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
    return RunSettings(**values, sources=sources)
