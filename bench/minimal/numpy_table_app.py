"""Minimal Typer app: import numpy, print a 100-row rich table (baseline for `lrsched table`)."""
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)


@app.command()
def main(steps: Annotated[int, typer.Option("--steps")] = 100) -> None:
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    values = 0.05 * (1 + np.cos(np.pi * np.arange(steps) / steps))
    table = Table()
    table.add_column("epoch", justify="right")
    table.add_column("lr", justify="right")
    for i, v in enumerate(values.tolist()):
        table.add_row(str(i), f"{v:.6g}")
    Console().print(table)


if __name__ == "__main__":
    app()
