"""The Typer application that every command module registers on."""

import typer

app = typer.Typer(
    name="migrasome",
    help="Simulate, solve, image and analyse migrasomes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str) -> None:
    """Print a clear error (unwrapped, to stderr) and exit with code 2: bad input."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {escape(message)}",
                                               highlight=False)
    raise typer.Exit(code=2)
