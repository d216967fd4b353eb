"""``python -m migrasome``: the same as the ``migrasome`` command."""

from .cli import main

main()
