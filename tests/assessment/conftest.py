"""The assessment tests run on the cases world (tests/cases/conftest.py)."""

from tests.cases.conftest import _fresh_state, _long_tokens, clients, world, world__cases  # noqa: F401
