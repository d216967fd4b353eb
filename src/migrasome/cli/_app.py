"""The Typer application that every command module registers on."""

from __future__ import annotations

from typing import Any

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


class Reporter:
    """Progress of long work: a rich bar on a terminal; without one, a plain line to stderr
    at most every 10 % or 15 s (as pip and tqdm do); nothing when ``quiet``.

    Call it as ``report(done, total)``; use it as a context manager.
    """

    def __init__(self, label: str, *, quiet: bool = False, stream: Any = None) -> None:
        import sys

        self.label, self.quiet = label, quiet
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        self._last = (-1.0, 0.0)
        self._t0 = __import__("time").monotonic()

    def __enter__(self) -> Reporter:
        if not self.quiet and self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn(self.label), BarColumn(),
                                 TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                                 console=Console(file=self.stream), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=1)
        return self

    def __call__(self, done: float, total: float) -> None:
        import time

        if self.quiet:
            return
        if self.tty and self._bar is None:
            self.__enter__()
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)
            return
        now = time.monotonic() - self._t0
        frac = done / total if total else 1.0
        last_frac, last_t = self._last
        if frac < 1.0 and frac - last_frac < 0.1 and now - last_t < 15.0:
            return
        self._last = (frac, now)
        left = now / frac - now if frac > 0 else float("nan")
        eta = f", ~{left:.0f} s left" if frac < 1.0 and left == left else ""
        print(f"{self.label}: {100 * frac:3.0f}% ({now:.0f} s{eta})", file=self.stream,
              flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None


def print_series(title: str, s, fmt: str = "{:.3g}") -> None:
    """A Series as a two-column rich table (read-out, value)."""
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title)
    t.add_column("read-out")
    t.add_column("value", justify="right")
    for k, v in s.items():
        try:
            txt = fmt.format(float(v))
        except (TypeError, ValueError):
            txt = str(v)
        t.add_row(str(k), txt)
    Console().print(t)
