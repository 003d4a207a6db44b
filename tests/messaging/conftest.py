# The cases tests' world (the shared world fixture too, so it is known here) and their API clients.
from tests.cases.conftest import clients, world, world__cases  # noqa: F401
