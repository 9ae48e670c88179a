"""YAML configs, read safely: no Python objects, no duplicate keys, no alias bombs, lines kept.

Every problem is a one-line `ConfigError` naming the file and, where known, the line:
``bad.yaml:3:5: mapping values are not allowed here``. PyYAML is imported on first use.
"""
from __future__ import annotations

import os
import re
import sys
from typing import Any

from ..errors import ConfigError
from ._shared import _decode_utf8, _display, _one_line, _quote, _read_limited

MAX_CONFIG_BYTES = 1_000_000
#: YAML alias uses allowed in one document (a real config needs a handful).
MAX_YAML_ALIASES = 10_000
#: Nodes a document may expand to when every alias is replaced by a copy of its anchor.
MAX_YAML_NODES = 1_000_000
#: Nesting levels of mappings/lists allowed in a config.
MAX_YAML_DEPTH = 100

_ALIAS_LIMIT_MESSAGE = "too many aliases (YAML alias expansion limit)"


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
