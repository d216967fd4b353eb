"""The Typer application that every command module registers on."""

import typer

app = typer.Typer(
    name="migrasome",
    help="Simulate, solve, image and analyse migrasomes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
