"""Counters of a model run and the progress bar that shows them (rich, on stderr)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunStats:
    """Counters of one model run (shown by the progress bar and the summary line)."""

    model: str
    rows: int = 0
    reused: int = 0
    turns: int = 0
    cache_hits: int = 0
    calls: int = 0
    retries: int = 0
    failed: int = 0
    wall_s: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One readable line for logs."""
        return (f"{self.model}: {self.rows} rows, {self.turns} turns ({self.cache_hits} cached, "
                f"{self.calls} calls, {self.retries} retries), {self.reused} resumed, "
                f"{self.failed} failed, {self.wall_s:.1f}s")


class Progress:
    """A rich progress bar per model (rate, ETA, cache hits, retries, failures), or nothing.

    Args:
        stats: The counters shown beside the bar.
        total: Rows of the run.
        enabled: Show the bar (rich is imported only then).
    """

    def __init__(self, stats: RunStats, total: int, enabled: bool) -> None:
        self.stats = stats
        self.enabled = enabled and total > 0
        self._progress: Any = None
        self._task: Any = None
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._progress = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("cached {task.fields[hits]} · retries {task.fields[retries]} · failed {task.fields[failed]}"),
            transient=False,
            refresh_per_second=4,
            console=Console(stderr=True),
        )
        self._task = self._progress.add_task(stats.model, total=total, rate="-", hits=0, retries=0, failed=0)
        self._progress.start()

    def advance(self, n: int = 1) -> None:
        """Move the bar by ``n`` rows and refresh the counters."""
        if not self.enabled:
            return
        task = self._progress.tasks[0]
        rate = task.speed
        self._progress.update(
            self._task, advance=n, rate=f"{rate:.1f}" if rate else "-", hits=self.stats.cache_hits,
            retries=self.stats.retries, failed=self.stats.failed,
        )

    def stop(self) -> None:
        """Show the final counters and stop refreshing."""
        if self.enabled:
            self._progress.update(self._task, hits=self.stats.cache_hits, retries=self.stats.retries,
                                  failed=self.stats.failed)
            self._progress.stop()
