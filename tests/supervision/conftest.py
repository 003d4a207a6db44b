"""Fixtures of the supervision tests: the cases world (tests/cases/conftest.py) and its helpers."""

from tests.cases.conftest import (  # noqa: F401  (fixtures re-exported for this folder)
    _fresh_state,
    _long_tokens,
    clients,
    world,
    world__cases,
    world_tx,
)
