"""Training configs as practitioners have them: DeepSpeed JSON, Megatron flags, Hugging Face
TrainingArguments, timm's args.yaml, torchvision's reference flags, ... one module per dialect.

`read(source)` takes a path to an existing file or prefixed text (`"megatron:--lr 6e-4 ..."`),
detects the dialect from the content (or takes `dialect=`), and returns a `Reading`: the schedule
as an lrsched kind mapping with the trainer's exact semantics, the run's numbers under the
run-setting names, and what came from where. `DIALECTS` is the one registry: detection, `--dialect`,
`lrsched list --dialects` and the tests take it from there. Nothing in a file is executed.
"""
from __future__ import annotations

import contextlib
import os
from importlib import import_module
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..errors import SpecError, UsageError
from .base import MAX_BYTES, Content, Dialect, Reading

__all__ = ["DIALECTS", "MODULES", "Content", "Dialect", "Reading", "collected", "detects", "dialect_names", "get",
           "is_trainer_source", "read", "read_content"]

#: The dialect modules, in the order detection tries them and `list --dialects` shows them.
MODULES = ("deepspeed", "megatron", "hf_args", "timm_args", "torchvision", "detectron2", "mmengine")
DIALECTS: dict[str, Dialect] = {}
for _module in MODULES:
    _dialect = import_module(f".{_module}", __name__).DIALECT
    DIALECTS[_dialect.name] = _dialect


def dialect_names() -> list[str]:
    return list(DIALECTS)


def get(name: str) -> Dialect:
    if name not in DIALECTS:
        from ..core.registry import did_you_mean

        raise UsageError(f"--dialect: unknown dialect {name!r}{did_you_mean(name, DIALECTS)}; "
                         f"known: {', '.join(DIALECTS)}")
    return DIALECTS[name]


def _prefix(text: str) -> str | None:
    head, sep, _ = text.partition(":")
    name = head.strip()
    return name if sep and name in DIALECTS and DIALECTS[name].prefix else None


def is_trainer_source(text: Any) -> bool:
    """A flag dialect's prefixed text, or a path to an existing file that is not an lrsched YAML config."""
    if not isinstance(text, str) or not text.strip():
        return False
    if _prefix(text) is not None:
        return True
    try:
        return os.path.isfile(text) and not _is_lrsched_config(Path(text))
    except (OSError, ValueError):
        return False


def _is_lrsched_config(path: Path) -> bool:
    """An lrsched config (a YAML mapping with `schedules`) is read by io/config.py, not here."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return False
    try:
        head = path.read_bytes()[:MAX_BYTES].decode("utf-8", "replace")
    except OSError:
        return False
    return any(line.startswith("schedules:") for line in head.splitlines())


def detects(source: str) -> bool:
    """A training config some dialect recognises (for `--config`, which otherwise means an lrsched YAML)."""
    if not is_trainer_source(source):
        return False
    if _prefix(source) is not None:
        return True
    try:
        content, _ = content_of(source)
    except SpecError:
        return False
    return any(d.detect(content) is None for d in DIALECTS.values())


def content_of(source: str, relative_to: Path | None = None) -> tuple[Content, str | None]:
    """The content of a source and the dialect its prefix names (None for a file)."""
    prefix = _prefix(source)
    if prefix is not None:
        return Content(source.partition(":")[2], prefix), prefix
    from ..io._shared import _decode_utf8, _read_limited

    path = Path(source)
    if relative_to is not None and not path.is_absolute() and not path.exists():
        path = relative_to / path
    name = str(path)
    data = _read_limited(path, name, limit=MAX_BYTES, what="training configs", error=SpecError)
    return Content(_decode_utf8(data, name, SpecError), name, path), None


def read(source: str, dialect: str | None = None, overrides: Mapping[str, Any] | None = None,
         relative_to: Path | None = None) -> Reading:
    """Read a training config (a file, or `NAME:--flags`); `overrides` are the command line's
    run values (base_lr), which beat the file's. The reading's messages are also collected."""
    content, prefix = content_of(source, relative_to)
    if dialect is not None:
        chosen = get(dialect)
        if prefix is not None and prefix != dialect:
            raise UsageError(f"--dialect {dialect} contradicts the text's prefix {prefix}:")
    elif prefix is not None:
        chosen = DIALECTS[prefix]
    else:
        chosen = None
    return read_content(content, chosen, overrides)


def read_content(content: Content, dialect: Dialect | None = None,
                 overrides: Mapping[str, Any] | None = None) -> Reading:
    """Read a source's content as `dialect` (detected when None); see `read`."""
    chosen = dialect or detect(content)
    reading = chosen.read(content, dict(overrides or {}))
    for sink in _SINKS:
        sink.extend(reading.messages())
    return reading


def detect(content: Content) -> Dialect:
    """The dialect of a file's content; none matching is an error saying why each did not."""
    reasons = []
    for dialect in DIALECTS.values():
        reason = dialect.detect(content)
        if reason is None:
            return dialect
        reasons.append(f"{dialect.name} ({reason})")
    broken = content.mapping_error if content.suffix in (".json", ".yaml", ".yml") else None
    if broken:
        raise SpecError(broken)
    raise SpecError(f"{content.name}: not a training config lrsched knows; tried {'; '.join(reasons)}. "
                    "Give --dialect NAME to force one ('lrsched list --dialects')")


_SINKS: list[list[str]] = []


@contextlib.contextmanager
def collected() -> Iterator[list[str]]:
    """Collect the messages of every reading inside the block (a command prints them on stderr)."""
    sink: list[str] = []
    _SINKS.append(sink)
    try:
        yield sink
    finally:
        _SINKS.remove(sink)
