"""Show an import's progress on a terminal: a `rich` bar on a TTY, plain lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from omslink.spreadsheets.progress import ImportProgress

PLAIN_INTERVAL_SECONDS = 1.0


@contextmanager
def progress_display(stream: TextIO) -> Iterator[Callable[[ImportProgress], None]]:
    """Yield the callback an import reports to; a bar when `stream` is a terminal."""
    if stream.isatty():
        with _bar(stream) as show:
            yield show
        return
    yield _plain_lines(stream)


@contextmanager
def _bar(stream: TextIO) -> Iterator[Callable[[ImportProgress], None]]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=stream)) as bar:
        task = bar.add_task("checking", total=1.0)

        def show(step: ImportProgress) -> None:
            done = step.written if step.phase == "writing" else step.checked
            bar.update(task, completed=step.fraction, description=f"{step.phase} {done:,} rows")

        yield show


def _plain_lines(stream: TextIO) -> Callable[[ImportProgress], None]:
    last_phase = [""]
    last_at = [0.0]

    def show(step: ImportProgress) -> None:
        now = time.monotonic()
        if step.phase == last_phase[0] and now - last_at[0] < PLAIN_INTERVAL_SECONDS:
            return
        last_phase[0], last_at[0] = step.phase, now
        done = step.written if step.phase == "writing" else step.checked
        stream.write(f"{step.phase}: {done} rows ({step.fraction:.0%})\n")
        stream.flush()

    return show
