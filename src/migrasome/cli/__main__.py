"""``python -m migrasome.cli``: the same as the ``migrasome`` command."""

from . import main

main()
