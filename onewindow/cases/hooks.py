"""Hooks offered to the apps above cases (docs/architecture.md, "hooks").

`on_case_event` listeners are called with (case, event) for every case event, inside the transaction that
writes it: what they write commits or rolls back with the case change (an applicant's message in the
outbox, a roll-up row). They must not call back into case services.

A listener may ask what the running service already knows, to spare its own reads: `row_before(case)`
(the case row as the service locked it, before this event's change), `inserted_now(case)` (the service
created the case: no row of an upper app refers to it yet) and `without_suspensions_or_extensions(case)`.

`public_case_panels` are called with (request, progress, check) when the public progress page shows a case
(`progress` is what `cases.selectors.public_case` answered, `check` the digits the applicant typed); each
returns HTML to show under the steps, or "" (the ratings app offers its 好差评 form there).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models.query import EmptyQuerySet

on_case_event: list[Callable] = []
public_case_panels: list[Callable] = []

# Extra filters of the cases list page (and its exports), offered to the apps above: each is called with
# (user, the query parameters) and returns None, or (a Q over Case, the filter in words). The statistics'
# drill-down (`?figure=…`) is one: the definition of each figure stays in its own app.
case_list_filters: list[Callable] = []


def register(listener: Callable, hooks: list[Callable] = on_case_event) -> None:
    if listener not in hooks:
        hooks.append(listener)


def row_before(case) -> dict | None:
    """The case row's columns ({field name: value}) as the running service locked them, before the change
    this event records; None when unknown (the change did not go through the common save of a locked row)."""
    return case.__dict__.get("_row_before")


def inserted_now(case) -> bool:
    """Whether the running service inserted this case (its acceptance), in the transaction now open."""
    return bool(case.__dict__.get("_inserted_now"))


def without_suspensions_or_extensions(case) -> bool:
    """Known without a query: the case has no suspension and no extension (a case inserted now, or one the
    lock saw without any, to which the action added none)."""
    if inserted_now(case):
        return True
    cached = case.__dict__.get("_prefetched_objects_cache") or {}
    # Only the empty querysets the lock leaves (a prefetched list of rows may be older than the action).
    return all(isinstance(cached.get(name), EmptyQuerySet) for name in ("suspensions", "extensions"))
