"""Minimal Typer app in lrsched's style: a few commands, prints its help (start-up baseline)."""
from typing import Annotated, Optional

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  pretty_exceptions_enable=False)


@app.command("list")
def list_() -> None:
    """List things."""


@app.command()
def plot(name: str, max_lr: Annotated[Optional[float], typer.Option("--max-lr")] = None) -> None:
    """Plot a thing."""


@app.command()
def export(name: str, output: Annotated[Optional[str], typer.Option("--output", "-o")] = None) -> None:
    """Export a thing."""


if __name__ == "__main__":
    app()
