"""Render the gallery: every config in configs/ to plots/<name>.png, plus the README's example.

    python scripts/render_gallery.py

Runs the CLI itself, so the gallery shows exactly what users get.
"""
from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from lrsched_cli.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXTRA = [
    ["plot", "cosine", "--max-lr", "0.1", "-o", "plots/cosine.png"],
    ["compare", "configs/decays.yaml", "--layout", "grid", "-o", "plots/decays_grid.png"],
    ["compare", "configs/lm_warmup.yaml", "--log-y", "-o", "plots/lm_warmup_log.png"],
    ["compare", "--as", "torch,optax,keras,hf,timm",
     "cosine:max_lr=0.1,min_lr=0.001,warmup_steps=50,cycle_length=950", "--steps", "1100",
     "-o", "plots/cosine_as.png"],
]


def main() -> int:
    runner = CliRunner()
    commands = [["plot", "--config", str(p.relative_to(ROOT)), "-o", f"plots/{p.stem}.png"]
                for p in sorted((ROOT / "configs").glob("*.yaml"))] + EXTRA
    # the training configs of configs/trainers/, each read as its trainer reads it
    commands += [["plot", str(p.relative_to(ROOT)), "-o", f"plots/trainer_{p.stem}.png"]
                 for p in sorted((ROOT / "configs" / "trainers").iterdir())]
    failed = 0
    for args in commands:
        result = runner.invoke(app, args)
        print(f"lrsched {' '.join(args)}: {'ok' if result.exit_code == 0 else result.stderr.strip()}")
        failed += result.exit_code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    import os

    os.chdir(ROOT)
    sys.exit(main())
