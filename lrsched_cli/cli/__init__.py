"""The command line: a thin layer over the app (lrsched_cli.app), one module per command.

`base` (the app, one-line errors, exit codes, stdout), `options` (every option, defined once, and
the groups the commands share), `kinds` (one generated subcommand per schedule kind), then the
commands: `explore` (list, describe), `export`, `table`, `plot` (plot, compare), `fit`.
"""
from __future__ import annotations

# Each module registers its commands, in the order --help lists them.
from . import explore  # noqa: F401
from . import export  # noqa: F401
from . import table  # noqa: F401
from . import plot  # noqa: F401
from . import lint  # noqa: F401
from . import fit  # noqa: F401
from .base import app, error_line, main, out, say
from .kinds import flags_to_mapping, kind_command, kind_example, parse_flag, parse_int
from .options import (ALLOW_IMPORT, BASE_LR, CONFIG, EXPORT_OPTIONS, LABEL, PLOT_OPTIONS, RUN_OPTIONS, SPEC,
                      STEPS, TABLE_OPTIONS, UNIT, option, output_path)

__all__ = ["app", "main", "error_line", "out", "say", "option", "output_path", "flags_to_mapping",
           "kind_command", "kind_example", "parse_flag", "parse_int", "ALLOW_IMPORT", "BASE_LR", "CONFIG",
           "EXPORT_OPTIONS", "LABEL", "PLOT_OPTIONS", "RUN_OPTIONS", "SPEC", "STEPS", "TABLE_OPTIONS", "UNIT"]
