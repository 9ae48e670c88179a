"""Errors raised by the core and the exit codes the CLI maps them to.

The core raises; only the CLI module prints and exits.
"""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    INTERRUPTED = 130


class LrschedError(Exception):
    """Base class: a clear one-line message for the user."""

    exit_code = ExitCode.FAILURE


class UsageError(LrschedError):
    """The user asked for something invalid: a bad kind, parameter, value or config."""

    exit_code = ExitCode.USAGE


class SpecError(UsageError):
    """A schedule specification is invalid (unknown kind or parameter, bad value)."""


class ConfigError(UsageError):
    """A YAML configuration file is malformed or does not follow the schema."""


class ExprError(UsageError):
    """An `expr` formula is not allowed or cannot be evaluated."""


class OutputError(LrschedError):
    """An output file cannot be written."""


class DataError(LrschedError):
    """An input data file (e.g. a metric CSV) is missing or unreadable."""
