"""The stats tests run in the cases world (tests/cases/conftest.py): its fixtures, shared here."""

from tests.cases.conftest import (  # noqa: F401  (fixtures)
    _cases_world,
    _fresh_state,
    _long_tokens,
    clients,
    world,
    world__cases,
    world_tx,
)
