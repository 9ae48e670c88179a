"""`plot -o schedule.html`: one self-contained page that works offline, drawn by uPlot.

uPlot (MIT, 51 KB minified; `vendor/uPlot.LICENSE`) is embedded in the page with lrsched's own
script (`page.js`), so the page fetches nothing: its Content-Security-Policy forbids any network
request. It draws the curves with hover readouts (step, epoch, and each LR as Python's repr of
the float64), zoom (wheel, drag a range) and pan (shift + drag), toggling of series (click a
legend entry), and the summary table.

Every value is in the page, exact: each series is stored as little-endian float64, byte-shuffled
(the i-th bytes of all values together, so the exponent and high mantissa bytes of a smooth
curve form long runs) and deflated, then base64. The page inflates it with the browser's own
`DecompressionStream` and, for the visible window, reduces the points exactly as the PNG path
does (`plot.reduce_points`: first, lowest, highest and last point of about two buckets per pixel
column), so zoomed in far enough every step is drawn and a hover reads values[t] itself.

Budget: at most `MAX_VALUES` values in a page; a value costs at most 8 * 4/3 bytes (incompressible
float64 in base64) and the page 60 KB more, so a page is at most about 107 MB. Measured: 5 x
1,000,000 steps of cosine, step, one-cycle, wsd and exponential schedules give a 16 MB file.
"""
from __future__ import annotations

import base64
import html
import json
import os
import re
import zlib
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import UsageError
from ..io.files import atomic_write

#: Suffixes written as a page by `plot -o`.
PAGE_SUFFIXES = (".html",)
#: Most values (summed over the series) a page holds: every one is stored exactly.
MAX_VALUES = 10_000_000
#: The folder of the vendored uPlot (minified script, style and licence).
_VENDOR = "vendor"


def is_page(path: str | os.PathLike[str] | None) -> bool:
    return path is not None and Path(os.fspath(path)).suffix.lower() in PAGE_SUFFIXES


def pack(values: np.ndarray) -> str:
    """float64 values as base64 of the deflated byte-shuffled little-endian bytes (see above)."""
    raw = np.ascontiguousarray(values, dtype="<f8").view(np.uint8).reshape(-1, 8)
    return base64.b64encode(zlib.compress(raw.T.tobytes(), 6)).decode("ascii")


def page(series: Sequence[Any], *, unit: str = "epoch", title: str | None = None, log_y: bool = False,
         updates_per_epoch: int | None = None, xlim: tuple[float, float] | None = None,
         ylim: tuple[float, float] | None = None) -> str:
    """The page's text for `series` (plot.Series: label, float64 values, jumps)."""
    from ..core.summary import Summary, summarize
    from .plot import PALETTE

    if not series:
        raise UsageError("nothing to plot: no schedules")
    total = sum(int(np.size(s.values)) for s in series)
    if total > MAX_VALUES:
        raise UsageError(f"a page holds at most {MAX_VALUES:,} values, every one exact "
                         f"(received {len(series)} schedules with {total:,} in all): use fewer --steps "
                         "or schedules, or a .png")
    data = {
        "title": title or "",
        "unit": unit,
        "logY": bool(log_y),
        "perEpoch": updates_per_epoch,
        "xlim": _initial_view(xlim, max(int(np.size(s.values)) for s in series)),
        "ylim": list(ylim) if ylim else None,
        "fields": [name for _, name in Summary.FIELDS],
        "series": [{"label": s.label, "color": PALETTE[i % len(PALETTE)], "jumps": bool(s.jumps),
                    "count": int(np.size(s.values)), "values": pack(s.values),
                    "summary": _summary_cells(summarize(s.values))}
                   for i, s in enumerate(series)],
    }
    return _fill(
        title=html.escape(title or "learning-rate schedule"),
        css=_asset(_VENDOR, "uPlot.min.css") + _asset("page.css"),
        uplot=_asset(_VENDOR, "uPlot.iife.min.js"),
        licence=_asset(_VENDOR, "uPlot.LICENSE").replace("*/", "* /"),
        script=_asset("page.js"),
        data=_script_json(data),
    )


def _initial_view(xlim: Any, n: int) -> list[float] | None:
    """The x range first shown: --xlim with a side left out running to that end of the run."""
    if not xlim:
        return None
    low, high = xlim
    return [0 if low is None else max(0.0, low), n - 1 if high is None else min(float(n - 1), high)]


def save_page(series: Sequence[Any], path: str | os.PathLike[str], **options: Any) -> Path:
    """Write the page atomically (no half-written file), creating a missing parent folder."""
    return atomic_write(path, page(series, **options), ensure_parent=True)


def _summary_cells(summary: Any) -> list[Any]:
    """The summary's figures, floats as Python's repr (the page shows them as written)."""
    cells = []
    for name, _ in summary.FIELDS:
        value = getattr(summary, name)
        cells.append(repr(value) if isinstance(value, float) else value)
    return cells


def _script_json(data: Any) -> str:
    """JSON safe inside <script>: no "</script>", "<!--" or "]]>" can be spelt by a label."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _fill(**parts: str) -> str:
    """The template with each @@name@@ replaced in one pass (inserted text is never rescanned,
    and holds braces and @ freely)."""
    return re.sub(r"@@(\w+)@@", lambda match: parts[match.group(1)], _TEMPLATE)


def _asset(*parts: str) -> str:
    return resources.files("lrsched_cli.present").joinpath(*parts).read_text(encoding="utf-8")


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lrsched">
<title>@@title@@</title>
<style>@@css@@</style>
</head>
<body>
<h1 id="title"></h1>
<p class="help">wheel: zoom &middot; drag: zoom to a range &middot; shift + drag: pan &middot; double-click: whole run
&middot; click a legend entry: show or hide it</p>
<div id="readout" aria-live="polite">&nbsp;</div>
<div id="chart"></div>
<table id="summary"></table>
<script type="application/json" id="lrsched-data">@@data@@</script>
<script>/* uPlot, https://github.com/leeoniya/uPlot
@@licence@@ */
@@uplot@@</script>
<script>@@script@@</script>
</body>
</html>
"""
