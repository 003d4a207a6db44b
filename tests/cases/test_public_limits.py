"""The public query's rate limits hold across worker processes and per case number, and never tell
whether a case exists."""

from __future__ import annotations

from django.core.cache import caches

from onewindow.core.models import RateCounter
from tests.cases.conftest import new_case
from tests.conftest import ApiClient


def _query(number: str, check: str, address: str):
    return ApiClient().client.get(f"/api/v1/public/cases/{number}", {"check": check}, REMOTE_ADDR=address)


def test_the_per_address_limit_is_shared_by_every_worker(clients, settings):
    settings.ONEWINDOW_PUBLIC_RATE_LIMIT = 3
    case = new_case(clients.clerk)
    codes = [_query(case["number"], "0000", "10.0.0.1").status_code for _ in range(3)]
    assert codes == [404, 404, 404]
    # Another worker process: none of this one's memory, the same database.
    for alias in settings.CACHES:
        caches[alias].clear()
    assert _query(case["number"], "5678", "10.0.0.1").status_code == 429
    assert RateCounter.objects.filter(key__startswith="ip:case:10.0.0.1:").get().hits == 4


def test_failed_checks_of_one_case_number_from_many_addresses_are_limited(clients, settings):
    settings.ONEWINDOW_PUBLIC_SUBJECT_FAILURES = 4
    case, other = new_case(clients.clerk), new_case(clients.clerk)
    wrong = [_query(case["number"], f"{n:04d}", f"10.0.1.{n}").status_code for n in range(4)]
    assert wrong == [404] * 4
    refused = _query(case["number"], "5678", "10.0.2.1")  # even the right digits, from a fresh address
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert int(refused["Retry-After"]) >= 1
    assert _query(other["number"], "5678", "10.0.2.1").status_code == 200  # other cases are not touched


def test_an_unknown_number_is_limited_exactly_like_a_real_one(clients, settings):
    settings.ONEWINDOW_PUBLIC_SUBJECT_FAILURES = 2
    case = new_case(clients.clerk)
    real = [_query(case["number"], "0000", f"10.0.3.{n}") for n in range(3)]
    unknown = [_query("2103002024092799999", "0000", f"10.0.4.{n}") for n in range(3)]
    assert [r.status_code for r in real] == [r.status_code for r in unknown] == [404, 404, 429]
    assert [r.json()["detail"] for r in real] == [r.json()["detail"] for r in unknown]


def test_a_correct_query_does_not_count_against_the_number(clients, settings):
    settings.ONEWINDOW_PUBLIC_SUBJECT_FAILURES = 2
    case = new_case(clients.clerk)
    codes = [_query(case["number"], "5678", f"10.0.5.{n}").status_code for n in range(5)]
    assert codes == [200] * 5


def test_behind_a_proxy_the_address_is_the_one_the_proxy_appended(clients, settings):
    settings.ONEWINDOW_BEHIND_PROXY = True
    settings.ONEWINDOW_PUBLIC_RATE_LIMIT = 2
    case = new_case(clients.clerk)
    client = ApiClient().client

    def query(forwarded):
        return client.get(
            f"/api/v1/public/cases/{case['number']}",
            {"check": "5678"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    # A client forging the first entry still lands on its real address, the last one.
    assert [query(f"1.1.1.{n}, 203.0.113.7") for n in range(3)] == [200, 200, 429]
    assert query("203.0.113.8") == 200
