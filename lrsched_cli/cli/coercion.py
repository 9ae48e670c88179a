"""typer's coercion of option values, built only for a value that needs it.

typer (0.29) coerces each option's value with a pydantic TypeAdapter that it builds, importing
pydantic, the first time the option is processed, even when the option was not given. A command
with many options (plot has 37) so spends 0.1-0.2 s before it starts, more than evaluating five
schedules of a million steps. lrsched's options are text and flags that lrsched reads itself: a
value that is missing, or already the annotated text or flag, is what typer's adapter would return,
so it is passed as it is; any other value (a number option, a value of another type) goes to
typer's own coercion, built then, with typer's messages.
"""
from __future__ import annotations

from typing import Any

from typer import core

#: Annotations whose values are passed through when they already have the type.
_TEXT = (str, bool)


class _WhenNeeded:
    """A parameter's coercion: its value as given where typer's would return it unchanged, else
    typer's (built on first use)."""

    def __init__(self, param: Any) -> None:
        self.param, self.built = param, None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        annotation = param.type_descriptor.annotation
        many = param.multiple or param.nargs == -1
        if value is None:                          # as typer's RuntimeParam.coerce
            return () if many else None
        if annotation in _TEXT and type(value) is annotation and not many:
            return value
        if annotation == list[str] and many and isinstance(value, (list, tuple)) \
                and all(type(item) is str for item in value):
            return list(value)                     # typer's list adapter returns a list
        if self.built is None:
            self.built = core.build_runtime_param(self.param.type_descriptor)
        return self.built.coerce(value, param=param, ctx=ctx)


def install() -> None:
    """Make typer build its coercion only for values that need it (once; nothing if typer's
    parameters no longer have the method this replaces)."""
    parameter = getattr(core, "_TyperParameter", None)
    current = getattr(parameter, "get_runtime_param", None)
    if current is None or not hasattr(core, "build_runtime_param") or getattr(current, "when_needed", False):
        return

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            self._runtime_param = _WhenNeeded(self)
        return self._runtime_param

    get_runtime_param.when_needed = True  # type: ignore[attr-defined]
    parameter.get_runtime_param = get_runtime_param
