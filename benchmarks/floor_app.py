"""The start-up floor: a minimal Typer app that prints a Rich table (what any Typer + Rich CLI pays)."""

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer()


@app.command()
def status(app_name: str = typer.Option(None, "--app")) -> None:
    table = Table("App", "State")
    table.add_row("github-timeline", "disabled")
    Console().print(table)


if __name__ == "__main__":
    app()
