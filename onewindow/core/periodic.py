"""The periodic jobs of `onewindow tick`.

Each app registers its own jobs in its AppConfig.ready(), so `core` knows no app and the tick command runs
whatever the installed apps need (deferrals, due dates, warnings, reminders, staffing checks, roll-ups…).
A job must be idempotent and safe when two ticks run at once; it returns a one-line summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], str]
    order: int = 100  # lower runs first (e.g. due dates before the warnings that read them)


_jobs: dict[str, Job] = {}


def register(name: str, run: Callable[[], str], *, order: int = 100) -> None:
    """Register (or replace, so ready() may run twice) the job `name`."""
    _jobs[name] = Job(name=name, run=run, order=order)


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: (job.order, job.name))
