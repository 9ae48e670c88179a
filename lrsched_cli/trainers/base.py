"""What every trainer dialect shares: the `Reading` it returns, the `Dialect` registry row, the
`Content` of a source (its text, read as a mapping or as command-line flags on demand), and the
helpers that write a trainer's formula as an lrsched `expr` exactly as its source computes it.

Nothing in a source is executed or imported: JSON and YAML are parsed as data, flags are split
like a shell splits them, Python (mmengine) is read with `ast`.
"""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from ..errors import ConfigError, SpecError

#: At most this many bytes are read from a training config (configs are small; a 1 GB file is not one).
MAX_BYTES = 1_000_000


@dataclass
class Reading:
    """A trainer config as lrsched reads it.

    `schedule` is an lrsched kind mapping (what `core.engine.build` takes); `run` holds the run's
    numbers under the run-setting names only (steps, base_lr and the geometry names of
    interfaces.md); `origins` says, for each of them, which key of the file gave it. `notes` explain
    a choice; `warnings` name ignored keys that change the schedule.
    """

    dialect: str
    source: str
    schedule: dict[str, Any]
    run: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def put(self, name: str, value: Any, origin: str) -> None:
        """A run value and the key it came from (None values are not recorded)."""
        if value is not None:
            self.run[name], self.origins[name] = value, origin

    def messages(self) -> list[str]:
        """The lines a command prints on stderr: where each number came from, then notes, then warnings."""
        lines = []
        if self.origins:
            told = ", ".join(f"{name} {_shown(self.run[name])} from {origin}" for name, origin in self.origins.items())
            lines.append(f"{self.source}: read as {self.dialect}: {told}")
        lines += [f"{self.source}: note: {note}" for note in self.notes]
        lines += [f"{self.source}: warning: {warning}" for warning in self.warnings]
        return lines


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Dialect:
    """One trainer's config format.

    `detect(content)` returns None when the content is of this dialect, else the reason it is not
    (shown when no dialect matches); `read(content, overrides)` returns a Reading. `reads` are the
    keys it understands, `warns` the keys it does not model although they change the schedule
    (each present one is a warning), `ignores` the keys that do not touch the schedule.
    `prefix`: the dialect is also written as text, `NAME:--flag value ...`.
    `write(schedule, steps)` returns the config fragment that makes the trainer run `schedule`
    over `steps` updates (`export --to NAME`), or raises CodegenError saying in one line why its
    format cannot hold the schedule exactly; None when the dialect is read only.
    """

    name: str
    summary: str
    detect: Callable[["Content"], str | None]
    read: Callable[["Content", Mapping[str, Any]], Reading]
    reads: tuple[str, ...]
    warns: tuple[str, ...] = ()
    ignores: tuple[str, ...] = ()
    prefix: bool = False
    write: Callable[[Any, int], str] | None = None


# -- the content of a source ------------------------------------------------------------------

class Content:
    """A source's text with its parsed forms, each computed once when a dialect asks for it."""

    def __init__(self, text: str, name: str, path: Path | None = None) -> None:
        self.text, self.name, self.path = text, name, path
        self._mapping: Any = _UNSET
        self._mapping_error: str | None = None
        self._flags: dict[str, list[str]] | None = None

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower() if self.path is not None else ""

    def mapping(self) -> Any:
        """The text as JSON (a .json file) or YAML data; None when it is neither (see `mapping_error`)."""
        if self._mapping is _UNSET:
            self._mapping = None
            try:
                self._mapping = self.parse_data()
            except ConfigError as exc:
                self._mapping_error = str(exc)
        return self._mapping

    def parse_data(self) -> Any:
        """JSON or YAML data, or ConfigError naming the file and line."""
        if self.suffix == ".json" or self.text.lstrip().startswith("{"):
            try:
                return json.loads(self.text)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{self.name}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})") from None
        from ..io.files import loads_yaml

        return loads_yaml(self.text, name=self.name)

    def data(self) -> Mapping[str, Any]:
        """The mapping a data dialect reads; a malformed file is an error naming its line."""
        data = self.parse_data()
        if not isinstance(data, Mapping):
            raise ConfigError(f"{self.name}: expected a mapping at the top")
        return data

    @property
    def mapping_error(self) -> str | None:
        self.mapping()
        return self._mapping_error

    def flags(self) -> dict[str, list[str]]:
        """Every `--flag value ...` of the text (a launch command or a shell script), last one wins."""
        if self._flags is None:
            self._flags = parse_flags(self.text, self.name)
        return self._flags


_UNSET = object()


# -- command-line flags ------------------------------------------------------------------------

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def _statements(text: str, name: str) -> list[list[str]]:
    """The words of each line (a quoted string may span lines), backslash continuations joined."""
    statements, pending = [], ""
    for line in text.replace("\\\r\n", " ").replace("\\\n", " ").splitlines():
        pending = f"{pending}\n{line}" if pending else line
        try:
            statements.append(shlex.split(pending, comments=True))
        except ValueError:  # an open quote: the statement goes on on the next line
            continue
        pending = ""
    if pending:
        try:
            shlex.split(pending, comments=True)
        except ValueError as exc:
            raise SpecError(f"{name}: cannot split the command line: {exc}") from None
    return statements


#: Words that end a command: the flags after them belong to another one.
SEPARATORS = (";", "&&", "||", "|", "&")


def _expanded(words: list[str], variables: dict[str, str]) -> Iterator[str]:
    """Each word with the variables assigned so far replaced; a word that is only `$NAME` is split
    into words, as the shell splits an unquoted expansion (`$GPT_ARGS`)."""
    for word in words:
        whole = _VARIABLE.fullmatch(word)
        word = _VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), word)
        if whole and word != whole.group(0):
            yield from word.split()
        else:
            yield word


def shell_tokens(text: str, name: str) -> list[str]:
    """The words of a launch command or shell script, as the shell splits them; SEPARATORS between commands.

    Backslash continuations join lines; comments are dropped; `NAME=value` assignments are
    remembered and `$NAME` / `${NAME}` replaced by their value (a script's `LR=6e-4` then
    `--lr $LR`); an assignment holding flags (`GPT_ARGS="--lr 6e-4 ..."`) is split into its words.
    Nothing is run, so a variable not assigned in the text stays as written.
    """
    variables: dict[str, str] = {}
    tokens: list[str] = []
    for words in _statements(text, name):
        for word in _expanded(words, variables):
            match = _ASSIGNMENT.match(word)
            if match and not word.startswith("-"):
                variables[match.group(1)] = match.group(2)
                if "--" in match.group(2):
                    tokens += shell_tokens(match.group(2), name) + [";"]
                continue
            tokens.append(word)
        tokens.append(";")
    return tokens


def _is_value(token: str) -> bool:
    """A word that is a flag's value, not the next flag: `-1`, `.01`, `cosine` (not `--x` or `-x`)."""
    if not token.startswith("-"):
        return True
    try:
        float(token)
        return True
    except ValueError:
        return False


def parse_flags(text: str, name: str) -> dict[str, list[str]]:
    """`--name value ...` pairs (also `--name=value`); a flag without values maps to []."""
    flags: dict[str, list[str]] = {}
    current: list[str] | None = None
    for token in shell_tokens(text, name):
        if token.startswith("--") and len(token) > 2:
            flag, sep, value = token.partition("=")
            current = flags[flag] = [value] if sep else []
            if sep:
                current = None
        elif current is not None and token not in SEPARATORS and _is_value(token):
            current.append(token)
        else:
            current = None
    return flags


class Flags:
    """A dialect's flags, read as its argparse reads them: type, default and nargs per flag."""

    def __init__(self, content: Content, dialect: str) -> None:
        self.values, self.dialect, self.name = content.flags(), dialect, content.name

    def given(self, flag: str) -> bool:
        return flag in self.values

    def text(self, flag: str, default: Any = None, choices: tuple[str, ...] | None = None,
             lower: bool = False) -> Any:
        words = self.values.get(flag)
        if words is None:
            return default
        value = self._one(flag, words)
        value = value.lower() if lower else value
        if choices is not None and value not in choices:
            from ..core.registry import did_you_mean

            raise SpecError(f"{self.name}: {flag} must be one of: {', '.join(choices)} (received {value!r})"
                            f"{did_you_mean(value, choices)}")
        return value

    def number(self, flag: str, default: Any = None, kind: type = float) -> Any:
        words = self.values.get(flag)
        if words is None:
            return default
        return self._convert(flag, self._one(flag, words), kind)

    def numbers(self, flag: str, default: Any = None, kind: type = int) -> Any:
        words = self.values.get(flag)
        if words is None:
            return default
        if not words:
            raise SpecError(f"{self.name}: {flag} needs at least one value")
        return [self._convert(flag, w, kind) for w in words]

    def _one(self, flag: str, words: list[str]) -> str:
        if len(words) != 1:
            raise SpecError(f"{self.name}: {flag} takes one value (received {len(words)}: {' '.join(words)!r})")
        return words[0]

    def _convert(self, flag: str, word: str, kind: type) -> Any:
        if "$" in word:
            raise SpecError(f"{self.name}: {flag} is {word!r}, a shell variable the text does not assign; "
                            "nothing is run, so write the number")
        try:
            return kind(word)
        except ValueError:
            expected = "an integer" if kind is int else "a number"
            raise SpecError(f"{self.name}: {flag} must be {expected} (received {word!r})") from None


# -- writing a trainer's formula ---------------------------------------------------------------

def num(value: float) -> str:
    """A float as expr text that reads back to the same float."""
    return repr(float(value))


def formula(expr: str, max_lr: float, label: str, **variables: float) -> dict[str, Any]:
    """An lrsched `expr` schedule: the trainer's formula in t with its constants as variables
    (the expr kind reads float keys as variables, so each is passed as a float)."""
    mapping: dict[str, Any] = {"kind": "expr", "expr": expr, "max_lr": float(max_lr), "label": label}
    mapping.update({name: float(value) for name, value in variables.items()})
    return mapping


def fail(content: Content, message: str) -> SpecError:
    return SpecError(f"{content.name}: {message}")


def unsupported(content: Content, what: str, name: Any, supported: Any) -> SpecError:
    """An unsupported scheduler type, naming the supported ones (and the closest)."""
    from ..core.registry import did_you_mean

    return SpecError(f"{content.name}: unsupported {what} {name!r}{did_you_mean(str(name), supported)}; "
                     f"supported: {', '.join(supported)}")


def translated(content: Content, text: str, base_lr: float, how: str) -> dict[str, Any]:
    """The constructor a trainer builds, written as a framework spec, read by lrsched's framework
    translations (each proved against the real library); `how` names who builds it, for errors."""
    from ..frameworks import translate

    try:
        return translate(text, base_lr=base_lr)
    except SpecError as exc:
        raise fail(content, f"{exc} (as {how} builds it: {text})") from None


def dropping_loader_batches(content: Content, overrides: Mapping[str, Any], batch: int, why: str) -> int | None:
    """Batches per device and epoch of a training DataLoader(drop_last=True) over a DistributedSampler,
    which pads each of the G devices to ceil(N / G) samples: ceil(N / G) // batch (timm's train.py
    and torchvision's references build theirs so). None when --steps-per-epoch gives the count
    instead; without either, an error saying `why` the count is needed and which flags give it."""
    if overrides.get("steps_per_epoch") is not None:
        return None
    samples = overrides.get("dataset_size")
    if samples is None:
        raise fail(content, f"{why}: give --dataset-size (the training samples; --world-size for several devices) "
                            "or --steps-per-epoch")
    per_device = -(-samples // (overrides.get("world_size") or 1))
    if per_device < batch:
        raise fail(content, f"the batch ({batch}) is more than the {per_device} samples of a device: the training "
                            "loader drops the partial batch, so an epoch has no update")
    return per_device // batch
