"""Hooks offered to the apps above cases (docs/architecture.md, "hooks").

`on_case_event` listeners are called with (case, event) for every case event, inside the transaction that
writes it: what they write commits or rolls back with the case change (an applicant's message in the
outbox, a roll-up row). They must not call back into case services.
"""

from __future__ import annotations

from collections.abc import Callable

on_case_event: list[Callable] = []


def register(listener: Callable, hooks: list[Callable] = on_case_event) -> None:
    if listener not in hooks:
        hooks.append(listener)
