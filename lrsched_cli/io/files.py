"""All file input and output of the core: YAML configs, metric CSVs and atomic writes.

Every failure is raised as a one-line `LrschedError` subclass whose `str()` names the file
(and, where it helps, the line), so the CLI can print it as is:

* configs   -> `ConfigError` (usage error, exit 2), e.g. ``bad.yaml:3:5: mapping values are not allowed here``
* metric data -> `DataError`, e.g. ``loss.csv: line 7: column 'loss': 'abc' is not a number``
* outputs   -> `OutputError`, e.g. ``out/x.csv: folder 'out' does not exist``

Only the standard library is imported at module level; PyYAML, numpy and the heavier stdlib
modules (csv, difflib, tempfile) are imported on first use so that importing this module is cheap.
"""
from __future__ import annotations

import contextlib
import errno
import math
import os
import re
import stat
import sys
from pathlib import Path
from typing import IO, Any, Iterator

from ..errors import ConfigError, DataError, OutputError

__all__ = [
    "LineDict",
    "LineList",
    "line_of",
    "load_yaml",
    "loads_yaml",
    "read_metric_column",
    "atomic_write",
    "atomic_writer",
    "MAX_CONFIG_BYTES",
    "MAX_METRIC_BYTES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_NODES",
    "MAX_YAML_DEPTH",
]

MAX_CONFIG_BYTES = 1_000_000
MAX_METRIC_BYTES = 100_000_000
#: YAML alias uses allowed in one document (a real config needs a handful).
MAX_YAML_ALIASES = 10_000
#: Nodes a document may expand to when every alias is replaced by a copy of its anchor.
MAX_YAML_NODES = 1_000_000
#: Nesting levels of mappings/lists allowed in a config.
MAX_YAML_DEPTH = 100

_ALIAS_LIMIT_MESSAGE = "too many aliases (YAML alias expansion limit)"


# -- small helpers ------------------------------------------------------------------------------

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def _display(path: str | os.PathLike[str] | os.PathLike[bytes] | bytes) -> str:
    """The path as the user gave it, made safe to print on one line."""
    raw = os.fspath(path)
    text = os.fsdecode(raw) if isinstance(raw, bytes) else raw
    # Undecodable bytes in file names arrive as lone surrogates, which cannot be printed.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL_CHARS.sub(lambda m: repr(m.group())[1:-1], text)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _quote(value: str, limit: int = 40) -> str:
    """repr() of a user-provided value, shortened; repr keeps it on one line."""
    if len(value) > limit:
        value = value[: limit - 3] + "..."
    return repr(value)


def _human_size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f} KB"
    return f"{n} bytes"


def _size_pair(size: int, limit: int) -> tuple[str, str]:
    """Human sizes for `size` and `limit`, exact byte counts if rounding would make them equal."""
    a, b = _human_size(size), _human_size(limit)
    if a == b:
        a, b = f"{size:,} bytes", f"{limit:,} bytes"
    return a, b


_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on device",
    errno.ENAMETOOLONG: "file name too long",
    errno.EISDIR: "is a directory",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "disk quota exceeded"


def _reason(exc: OSError) -> str:
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    text = exc.strerror or str(exc) or type(exc).__name__
    return _one_line(text[:1].lower() + text[1:])


# -- reading ------------------------------------------------------------------------------------


def _read_limited(path: str | os.PathLike[str], name: str, *, limit: int, what: str,
                  error: type[Exception]) -> bytes:
    """Read at most `limit` bytes of a file, checking its size before reading."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"{name}: no such file") from None
    except PermissionError:
        raise error(f"{name}: permission denied") from None
    except (OSError, ValueError) as exc:  # ValueError: embedded NUL in the path
        reason = _reason(exc) if isinstance(exc, OSError) else "invalid file name"
        raise error(f"{name}: cannot read: {reason}") from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{name}: is a directory, not a file")
    if stat.S_ISREG(st.st_mode) and st.st_size > limit:
        size, maximum = _size_pair(st.st_size, limit)
        raise error(f"{name}: file is {size}; {what} are limited to {maximum}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)  # bounded even if the file grows or is a pipe
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"{name}: no such file") from None
    except IsADirectoryError:
        raise error(f"{name}: is a directory, not a file") from None
    except PermissionError:
        raise error(f"{name}: permission denied") from None
    except OSError as exc:
        raise error(f"{name}: cannot read: {_reason(exc)}") from None
    if len(data) > limit:
        raise error(f"{name}: file is larger than {_human_size(limit)}; "
                    f"{what} are limited to {_human_size(limit)}")
    return data


def _decode_utf8(data: bytes, name: str, error: type[Exception]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(f"{name}: file is UTF-16 encoded; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{name}: not a UTF-8 text file "
                    f"(invalid byte 0x{data[exc.start]:02x} on line {line})") from None


# -- YAML ---------------------------------------------------------------------------------------


class LineDict(dict):
    """A `dict` built by `load_yaml`, remembering where it came from.

    ``line`` is the 1-based line where the mapping starts, ``key_lines`` maps each key to the
    1-based line of that key. It compares, hashes (not at all), pickles and json-dumps exactly
    like a plain dict.
    """

    line: int | None = None
    key_lines: dict[Any, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}


class LineList(list):
    """A `list` built by `load_yaml`; ``line`` is the 1-based line where the sequence starts."""

    line: int | None = None


def line_of(obj: Any) -> int | None:
    """The 1-based source line of a mapping or list returned by `load_yaml`, else None."""
    line = getattr(obj, "line", None)
    return line if isinstance(line, int) else None


class _YamlRefused(Exception):
    """Raised inside the loader for inputs we refuse; becomes a ConfigError."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# PyYAML implements YAML 1.1, whose float syntax needs a dot and a signed exponent: `1e-3`,
# `1E5`, `1.0e3` and `-.5` would all load as *strings*, and "max_lr: 1e-3" would then be
# rejected as "not a number". YAML 1.2 (and every JSON/Python user) reads them as floats, so
# plain (unquoted) scalars of these shapes are resolved as floats too; quote a value to keep it
# a string. Plain `inf`/`nan` (no dot) also load as floats; the caller rejects non-finite values.
_EXTRA_FLOAT = r"""^(?:
      [-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+    # 1e-3  1E5  -2.5e-4  1.e5  1_000e3
    | [-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?           # .5  -.5  +.5e-3
    | [-+]?(?:inf|Inf|INF)                              # inf  -inf
    | (?:nan|NaN|NAN)                                   # nan
)$"""


def _loader_class() -> type:
    """Build (once) the SafeLoader subclass; PyYAML is imported only here."""
    cached = _LOADER_CACHE.get("loader")
    if cached is not None:
        return cached

    import yaml
    from yaml.composer import Composer
    from yaml.constructor import ConstructorError
    from yaml.events import AliasEvent
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    merge_tag = "tag:yaml.org,2002:merge"

    class Loader(yaml.SafeLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._alias_uses = 0
            self._depth = 0
            self._dup_checked: set[int] = set()

        # Count alias uses while composing: cheap, and stops absurd inputs early. The nesting
        # depth is bounded too (the composer is recursive; deep input would hit RecursionError).
        def compose_node(self, parent, index):  # type: ignore[override]
            if self.check_event(AliasEvent):
                self._alias_uses += 1
                if self._alias_uses > MAX_YAML_ALIASES:
                    raise _YamlRefused(_ALIAS_LIMIT_MESSAGE)
                return Composer.compose_node(self, parent, index)
            if self._depth >= MAX_YAML_DEPTH:
                raise _YamlRefused(f"nesting is too deep (more than {MAX_YAML_DEPTH} levels)",
                                   self.peek_event().start_mark.line + 1)
            self._depth += 1
            try:
                return Composer.compose_node(self, parent, index)
            finally:
                self._depth -= 1

        def get_single_data(self):  # type: ignore[override]
            node = self.get_single_node()
            if node is None:
                return None
            _check_expansion(node)
            return self.construct_document(node)

        # Duplicate keys: checked once per mapping node, on its *own* keys, before merge keys
        # (`<<: *base`) are flattened in; overriding a merged key is legitimate.
        def flatten_mapping(self, node):  # type: ignore[override]
            if id(node) in self._dup_checked:  # already flattened: no merge keys left
                return
            self._dup_checked.add(id(node))
            seen: set[Any] = set()
            has_merge = False
            for key_node, _ in node.value:
                if key_node.tag == merge_tag:
                    has_merge = True
                    continue
                key = self._scalar_key(key_node)
                if key is _UNHASHABLE:
                    continue
                if key in seen:
                    shown = _quote(key) if isinstance(key, str) else repr(key)
                    raise _YamlRefused(f"duplicate key {shown}", key_node.start_mark.line + 1)
                seen.add(key)
            super().flatten_mapping(node)
            if has_merge:
                # Keep only the winning (last) pair of each key, so that a mapping merged into
                # another one later on contributes its *effective* values (PyYAML would
                # otherwise let a merged-in value shadow this mapping's own override).
                last: dict[Any, int] = {}
                keys = [self._scalar_key(key_node) for key_node, _ in node.value]
                for i, key in enumerate(keys):
                    if key is not _UNHASHABLE:
                        last[key] = i
                node.value = [pair for i, (pair, key) in enumerate(zip(node.value, keys))
                              if key is _UNHASHABLE or last[key] == i]

        # PyYAML's own constructors fail with plain Python errors on some scalars (an int of
        # more than 4300 digits, `2001-13-45`, `!!float abc`): report them like any YAML error.
        def construct_object(self, node, deep=False):  # type: ignore[override]
            try:
                return super().construct_object(node, deep=deep)
            except (ValueError, ArithmeticError, AttributeError, TypeError) as exc:
                what = str(node.tag).rsplit(":", 1)[-1].lstrip("!") or "value"
                value = node.value if isinstance(node, ScalarNode) else node.id
                detail = ""
                if "integer string conversion" in str(exc):
                    detail = f" (more than {getattr(sys, 'get_int_max_str_digits', lambda: 4300)()} digits)"
                raise _YamlRefused(f"{_quote(str(value))} is not a valid {what}{detail}",
                                   node.start_mark.line + 1) from None

        def _scalar_key(self, key_node):
            """The constructed key of a scalar key node, or _UNHASHABLE for anything else."""
            if not isinstance(key_node, ScalarNode):
                return _UNHASHABLE
            key = self.construct_object(key_node)
            try:
                hash(key)
            except TypeError:  # construct_line_dict reports it
                return _UNHASHABLE
            return key

        def construct_line_dict(self, node):
            data = LineDict()
            data.line = node.start_mark.line + 1
            yield data
            if not isinstance(node, MappingNode):  # pragma: no cover - the composer ensures it
                raise ConstructorError(None, None, f"expected a mapping node, but found {node.id}",
                                       node.start_mark)
            self.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=False)
                try:
                    hash(key)
                except TypeError:
                    raise ConstructorError("while constructing a mapping", node.start_mark,
                                           "found unhashable key", key_node.start_mark) from None
                data[key] = self.construct_object(value_node, deep=False)
                data.key_lines[key] = key_node.start_mark.line + 1

        def construct_line_list(self, node):
            data = LineList()
            data.line = node.start_mark.line + 1
            yield data
            data.extend(self.construct_sequence(node))

    def _check_expansion(root) -> None:
        """Refuse documents whose aliases expand to too many nodes (the "billion laughs").

        PyYAML shares aliased objects, so loading a bomb is cheap, but any consumer walking the
        result (validation, json.dumps, deepcopy) would touch billions of nodes. Sizes are
        memoised per node, so this runs in time linear in the *composed* graph.
        """
        sizes: dict[int, int] = {}
        on_path: set[int] = set()
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, finished = stack.pop()
            key = id(node)
            if isinstance(node, SequenceNode):
                children = node.value
            elif isinstance(node, MappingNode):
                children = [part for pair in node.value for part in pair]
            else:
                sizes[key] = 1
                continue
            if finished:
                on_path.discard(key)
                total = 1 + sum(sizes[id(child)] for child in children)
                if total > MAX_YAML_NODES:
                    raise _YamlRefused(_ALIAS_LIMIT_MESSAGE)
                sizes[key] = total
                continue
            if key in sizes:
                continue
            if key in on_path:
                raise _YamlRefused("recursive alias (a node that contains itself) is not allowed",
                                   node.start_mark.line + 1)
            on_path.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_line_dict)
    Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_line_list)
    Loader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(_EXTRA_FLOAT, re.X),
                                 list("-+0123456789.iInN"))
    _LOADER_CACHE["loader"] = Loader
    return Loader


_LOADER_CACHE: dict[str, type] = {}
_UNHASHABLE = object()


def loads_yaml(text: str, *, name: str = "<string>") -> Any:
    """Parse YAML text like `load_yaml` (same loader, same errors); `name` is used in messages."""
    import yaml

    loader = None
    try:
        loader = _loader_class()(text)  # the reader checks for control characters right away
        return loader.get_single_data()
    except _YamlRefused as exc:
        where = f"{name}:{exc.line}" if exc.line else name
        raise ConfigError(f"{where}: {exc.message}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and not exc.context.startswith("while "):
            problem = f"{exc.context}, {exc.problem}"  # e.g. "expected a single document ..."
        problem = _one_line(problem)
        if mark is None:
            raise ConfigError(f"{name}: {problem}") from None
        raise ConfigError(f"{name}:{mark.line + 1}:{mark.column + 1}: {problem}") from None
    except yaml.reader.ReaderError as exc:
        pos = exc.position
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise ConfigError(f"{name}:{line}:{column}: unacceptable character #x{char:04x}: "
                          f"{_one_line(exc.reason)}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: {_one_line(str(exc))}") from None
    except RecursionError:
        raise ConfigError(f"{name}: nesting is too deep") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(path: str | os.PathLike[str], *, max_bytes: int = MAX_CONFIG_BYTES) -> Any:
    """Read a YAML config safely and return plain data (None for an empty file).

    Uses a `yaml.SafeLoader` subclass: no arbitrary Python objects, duplicate keys refused,
    alias bombs refused, `1e-3`-style numbers read as floats. Mappings come back as `LineDict`
    and sequences as `LineList` (dict/list subclasses with a 1-based ``.line``).
    Every problem raises `ConfigError` with a one-line message naming the file.
    """
    name = _display(path)
    data = _read_limited(path, name, limit=max_bytes, what="configs", error=ConfigError)
    text = _decode_utf8(data, name, ConfigError)
    return loads_yaml(text, name=name)


# -- metric CSV ---------------------------------------------------------------------------------


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _content_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, line


def _parse_table(text: str, name: str) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """Split `text` into an optional header and (line number, cells) records."""
    first = next(_content_lines(text), None)
    if first is None:
        raise DataError(f"{name}: file has no data (only comments)")
    delimiter = "," if "," in first[1] else "\t" if "\t" in first[1] else None

    rows: list[tuple[int, list[str]]] = []
    if delimiter is not None:
        import csv
        import io

        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for cells in reader:
                cells = [cell.strip() for cell in cells]
                if not any(cells) or cells[0].startswith("#"):
                    continue
                rows.append((reader.line_num, cells))
        except csv.Error as exc:
            raise DataError(f"{name}: line {reader.line_num}: {_one_line(str(exc))}") from None
    else:
        rows = [(number, line.split()) for number, line in _content_lines(text)]

    header: list[str] | None = None
    if not any(_is_number(cell) for cell in rows[0][1]):
        header = rows[0][1]
        rows = rows[1:]
    if delimiter is None:
        # Whitespace-separated text: a table if every row has the same width (>= 2) and there
        # are several rows, e.g. numpy.savetxt output; otherwise one column of numbers,
        # separated by any whitespace.
        widths = {len(cells) for _, cells in rows}
        is_table = (len(rows) >= 2 and len(widths) == 1 and min(widths) >= 2
                    and (header is None or len(header) == min(widths)))
        if not is_table and (header is None or len(header) == 1):
            rows = [(number, [cell]) for number, cells in rows for cell in cells]
    return header, rows


def _column_index(column: str | int | None, header: list[str] | None, ncols: int,
                  name: str) -> int:
    if column is None:
        if header is not None:
            return len(header) - 1
        if ncols == 1:
            return 0
        raise DataError(f"{name}: has {ncols} columns and no header row; "
                        f"choose a column by 0-based index (0-{ncols - 1})")
    if isinstance(column, str):
        wanted = column.strip()
        if header is not None and wanted in header:
            return header.index(wanted)
        if re.fullmatch(r"[-+]?[0-9]+", wanted):
            column = int(wanted)
        elif header is None:
            raise DataError(f"{name}: has no header row, so there is no column named "
                            f"{_quote(column)}; choose a column by 0-based index (0-{ncols - 1})")
        else:
            import difflib

            lowered = {h.lower(): h for h in header}
            guesses = ([lowered[wanted.lower()]] if wanted.lower() in lowered
                       else difflib.get_close_matches(wanted, header, n=1, cutoff=0.6))
            hint = f" (did you mean {_quote(guesses[0])}?)" if guesses else ""
            shown = ", ".join(_quote(h) for h in header[:20])
            if len(header) > 20:
                shown += f", ... ({len(header) - 20} more)"
            raise DataError(f"{name}: no column named {_quote(column)}{hint}; "
                            f"available columns: {shown}")
    if isinstance(column, bool) or not isinstance(column, int):
        raise TypeError(f"column must be a name, an index or None, not {type(column).__name__}")
    if not -ncols <= column < ncols:
        raise DataError(f"{name}: column index {column} is out of range; the file has "
                        f"{ncols} column{'s' if ncols != 1 else ''} (0-{ncols - 1})")
    return column % ncols


def read_metric_column(path: str | os.PathLike[str], column: str | int | None = None, *,
                       skip_empty: bool = False, max_bytes: int = MAX_METRIC_BYTES) -> Any:
    """Read one numeric column of a CSV (or TSV / whitespace-separated) file as float64.

    * The header row is optional: the first row is a header if none of its cells is a number.
    * `column`: a header name, or a 0-based index (negative counts from the end; a string of
      digits that is not a header name is taken as an index). Default: the last column if
      there is a header, else the only column.
    * Blank lines and lines starting with `#` are ignored. A file without commas or tabs is
      whitespace-separated: a table if all rows have the same width, else one column.
    * Empty cells are an error unless `skip_empty` (then those rows are left out).
    Raises `DataError` (one line, naming the file) for anything unreadable or non-finite.
    """
    import numpy as np

    name = _display(path)
    data = _read_limited(path, name, limit=max_bytes, what="metric files", error=DataError)
    text = _decode_utf8(data, name, DataError)
    if not text.strip():
        raise DataError(f"{name}: file is empty")
    header, rows = _parse_table(text, name)
    if not rows:
        raise DataError(f"{name}: no data rows after the header")
    ncols = len(header) if header is not None else max(len(cells) for _, cells in rows)
    index = _column_index(column, header, ncols, name)
    label = f"column {_quote(header[index])}" if header is not None else f"column {index}"

    values: list[float] = []
    for number, cells in rows:
        cell = cells[index].strip() if index < len(cells) else ""
        if not cell:
            if skip_empty:
                continue
            if index >= len(cells):
                raise DataError(f"{name}: line {number}: no value for {label} "
                                f"(the row has {len(cells)} field{'s' if len(cells) != 1 else ''})")
            raise DataError(f"{name}: line {number}: empty value in {label}")
        try:
            value = float(cell)
        except ValueError:
            raise DataError(f"{name}: line {number}: {label}: {_quote(cell)} is not a number") from None
        if not math.isfinite(value):
            raise DataError(f"{name}: line {number}: {label}: {_quote(cell)} is not a finite number")
        values.append(value)
    if not values:
        raise DataError(f"{name}: {label} has no values")
    return np.asarray(values, dtype=np.float64)


# -- atomic output ------------------------------------------------------------------------------


def _umask() -> int:
    try:  # Linux >= 4.7: read it without changing it (os.umask is process-wide, not thread-safe)
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _prepare_output(path: str | os.PathLike[str], name: str,
                    ensure_parent: bool) -> tuple[Path, bool, int]:
    """Check an output path. Returns (file to write, write-directly?, permission bits)."""
    raw = os.fspath(path)
    if not raw:
        raise OutputError("output path is empty")
    target = Path(raw)
    if target.is_symlink():  # write through the link, keep the link
        target = Path(os.path.realpath(target))
    try:
        st: os.stat_result | None = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except PermissionError:
        raise OutputError(f"{name}: permission denied") from None
    except (OSError, ValueError) as exc:
        reason = _reason(exc) if isinstance(exc, OSError) else "invalid file name"
        raise OutputError(f"{name}: cannot write: {reason}") from None

    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{name}: is a directory")
        if not stat.S_ISREG(st.st_mode):
            # A device or pipe (/dev/stdout, a FIFO): never replace it, write into it.
            return target, True, 0
        if not os.access(target, os.W_OK):
            raise OutputError(f"{name}: permission denied (the file is read-only)")
        mode = stat.S_IMODE(st.st_mode)
    else:
        if raw.endswith(("/", os.sep)):
            raise OutputError(f"{name}: expected a file name, not a folder")
        mode = 0o666 & ~_umask()  # what open() would create

    parent = target.parent
    shown = _display(parent)
    try:
        parent_st = os.stat(parent)
    except FileNotFoundError:
        if not ensure_parent:
            raise OutputError(f"{name}: folder '{shown}' does not exist") from None
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise OutputError(f"{name}: cannot create folder '{shown}': "
                              "a file is in the way") from None
        except OSError as exc:
            raise OutputError(f"{name}: cannot create folder '{shown}': {_reason(exc)}") from None
    except NotADirectoryError:
        raise OutputError(f"{name}: '{shown}' is not a folder") from None
    except OSError as exc:
        raise OutputError(f"{name}: cannot use folder '{shown}': {_reason(exc)}") from None
    else:
        if not stat.S_ISDIR(parent_st.st_mode):
            raise OutputError(f"{name}: '{shown}' is not a folder")
    return target, False, mode


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (best effort; not possible on every OS / file system)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w", *, encoding: str = "utf-8",
                  newline: str | None = "", ensure_parent: bool = False) -> Iterator[IO[Any]]:
    """Context manager yielding a file object whose content replaces `path` atomically.

    Data goes to a hidden temporary file in the same folder (``.<name>.XXXX.tmp``), which is
    flushed, fsync'ed and `os.replace`d onto `path` when the block ends normally. If the block
    raises anything (KeyboardInterrupt included) the temporary file is removed, the exception
    propagates and an existing `path` is left untouched. An existing file keeps its permission
    bits; a new one gets ``0o666 & ~umask`` like `open()`. Symlinks are written through.
    Existing devices/pipes (e.g. /dev/stdout) are written directly, never replaced.

    `mode` is "w" (text, `encoding`; `newline=""` writes line endings exactly as given) or
    "wb". Missing folders are an error unless `ensure_parent=True`. Problems with the path,
    folder or disk raise `OutputError` (one line); exceptions from the block pass through.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', not {mode!r}")
    name = _display(path)
    target, direct, permissions = _prepare_output(path, name, ensure_parent)
    options: dict[str, Any] = {"encoding": encoding, "newline": newline} if mode == "w" else {}

    if direct:
        try:
            fh = open(target, mode, **options)
        except OSError as exc:
            raise OutputError(f"{name}: cannot write: {_reason(exc)}") from None
        with fh:
            yield fh
        return

    import tempfile

    folder = target.parent
    try:
        tmp = tempfile.NamedTemporaryFile(mode, dir=folder, prefix=f".{target.name[:100]}.",
                                          suffix=".tmp", delete=False, **options)
    except PermissionError:
        raise OutputError(f"{name}: permission denied "
                          f"(cannot create files in folder '{_display(folder)}')") from None
    except OSError as exc:
        raise OutputError(f"{name}: cannot write in folder '{_display(folder)}': "
                          f"{_reason(exc)}") from None
    tmp_path = tmp.name
    committed = False
    try:
        yield tmp
        try:
            tmp.flush()
            try:
                os.fsync(tmp.fileno())
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, getattr(errno, "ENOTSUP", -1)):
                    raise
            tmp.close()
            os.chmod(tmp_path, permissions)
            os.replace(tmp_path, target)
        except OSError as exc:
            raise OutputError(f"{name}: cannot write: {_reason(exc)}") from exc
        committed = True
    finally:
        if not committed:
            with contextlib.suppress(Exception):
                tmp.close()
            with contextlib.suppress(OSError):
                os.unlink(tmp_path)
    _fsync_folder(folder)


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8",
                 ensure_parent: bool = False) -> Path:
    """Atomically replace `path` with `data` (str is encoded, written without newline
    translation; bytes are written as is). Returns `path` as a Path. See `atomic_writer`."""
    name = _display(path)
    binary = isinstance(data, (bytes, bytearray, memoryview))
    try:
        with atomic_writer(path, "wb" if binary else "w", encoding=encoding,
                           ensure_parent=ensure_parent) as fh:
            fh.write(data)
    except OSError as exc:
        raise OutputError(f"{name}: cannot write: {_reason(exc)}") from exc
    except UnicodeEncodeError as exc:
        raise OutputError(f"{name}: cannot encode the text as {encoding}: {exc.reason}") from None
    return Path(path)
