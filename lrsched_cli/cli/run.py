"""The training run as the commands show it: the derivation of its numbers, and `lrsched describe
run`, the page of every run setting and rule."""
from __future__ import annotations

from typing import Any

from .base import out, say

#: What `describe run` says about a schedule entry's own keys (app/runplan.py).
ENTRY_KEYS = (
    ("per", "step (default): the schedule's lengths count updates; epoch: they count epochs"),
    ("stepping", "with per: epoch; epoch (default): stepped once per epoch, the value holds within it "
     "(PyTorch's default loop); iteration: every length times the updates per epoch (mmengine "
     "convert_to_iter_based, timm t_in_epochs=False)"),
    ("warmup_epochs", "the warmup in epochs instead of warmup_steps"),
)


def report_run(req: Any, *, to_stdout: bool) -> None:
    """The run's derivation: a section of the output (table, compare), or a note on stderr (plot,
    export, whose stdout is data). Notes (a batch larger than the dataset) always go to stderr."""
    for note in req.run.notes:
        say(f"note: {note}")
    lines = req.derivation
    if not lines:
        return
    if to_stdout:
        from rich.text import Text

        from ..present.render import plain  # rich: only for stdout (plot's stderr line needs none)

        console = out()
        console.print(Text("Run", style="bold"))
        for line in lines:
            console.print(Text(f"  {plain(line)}"))
    else:
        say("run: " + "; ".join(lines))


def describe_run() -> None:
    from rich.table import Table

    from ..app.settings import SETTINGS
    from ..core.geometry import RULES

    console = out()
    settings = Table(title="Run settings: flags, or the keys of a YAML run: block", title_justify="left")
    for heading in ("flag", "run: key", "must be", "meaning"):
        settings.add_column(heading)
    for s in SETTINGS:
        if s.group == "run":
            settings.add_row(s.flag, s.name, s.rule, s.help)
    rules = Table(title="Rules", title_justify="left")
    rules.add_column("what")
    rules.add_column("how, and whose rule")
    for what, how in RULES:
        rules.add_row(what, how)
    keys = Table(title="A schedule's own keys", title_justify="left")
    keys.add_column("key")
    keys.add_column("meaning")
    for key, meaning in ENTRY_KEYS:
        keys.add_row(key, meaning)
    console.print(settings)
    console.print(rules)
    console.print(keys)
    console.print("Example: lrsched table cosine --max-lr 0.1 --dataset-size 52002 --batch-size 4 "
                  "--world-size 4 --grad-accum 8 --epochs 3 --warmup-ratio 0.03", markup=False, highlight=False)
