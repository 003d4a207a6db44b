"""Hooks offered to the apps above cases (docs/architecture.md, "hooks").

`on_case_event` listeners are called with (case, event) for every case event, inside the transaction that
writes it: what they write commits or rolls back with the case change (an applicant's message in the
outbox, a roll-up row). They must not call back into case services.

`public_case_panels` are called with (request, progress, check) when the public progress page shows a case
(`progress` is what `cases.selectors.public_case` answered, `check` the digits the applicant typed); each
returns HTML to show under the steps, or "" (the ratings app offers its 好差评 form there).
"""

from __future__ import annotations

from collections.abc import Callable

on_case_event: list[Callable] = []
public_case_panels: list[Callable] = []

# Extra filters of the cases list page (and its exports), offered to the apps above: each is called with
# (user, the query parameters) and returns None, or (a Q over Case, the filter in words). The statistics'
# drill-down (`?figure=…`) is one: the definition of each figure stays in its own app.
case_list_filters: list[Callable] = []


def register(listener: Callable, hooks: list[Callable] = on_case_event) -> None:
    if listener not in hooks:
        hooks.append(listener)
