"""Minimal Typer app printing a 15-row rich table (start-up baseline for `lrsched list`)."""
import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)


@app.command()
def main() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="kinds")
    for column in ("kind", "family", "frequency", "quantity", "summary"):
        table.add_column(column)
    for i in range(15):
        table.add_row(f"kind{i}", "family", "continuously", "cosine", "a one-line summary of the kind")
    Console().print(table)


if __name__ == "__main__":
    app()
