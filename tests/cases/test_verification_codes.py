"""Verification codes: new ones in Crockford's base32 (no I, L, O, U) read back however they are typed,
alike on the public page and in the API; codes issued before keep verifying."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from onewindow.cases import codes
from onewindow.cases.models import Result
from tests.cases.conftest import drive
from tests.conftest import ApiClient

NEW = "A0B1C2D3E4F5G6H7"  # as produced now: Crockford base32
OLD = "OILUABCD2345WXYZ"  # as produced before: RFC 4648 base32, with the look-alike letters


@pytest.fixture
def issued(world, settings):
    settings.ONEWINDOW_PUBLIC_RATE_LIMIT = 1000
    return drive("issued")


def _with_code(case, code: str) -> Result:
    Result.objects.filter(case=case).update(verification_code=code)
    return Result.objects.get(case=case)


def _page(typed: str):
    return Client().get("/public/verify/", {"code": typed}, follow=True)


def _api(typed: str):
    return ApiClient().get(f"/public/results/{typed}")


def test_new_codes_use_crockfords_alphabet():
    for _ in range(50):
        code = codes.new_verification_code()
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{16}", code)


@pytest.mark.parametrize(
    "typed",
    [
        NEW,
        NEW.lower(),
        "A0B1-C2D3-E4F5-G6H7",
        "a0b1 c2d3 e4f5 g6h7",
        "AOBI-C2D3-E4F5-G6H7",
        "aobl-c2d3-e4f5-g6h7",
    ],
)
def test_a_new_code_verifies_however_it_is_typed_on_the_page_and_in_the_api(issued, typed):
    result = _with_code(issued, NEW)
    page = _page(typed)
    assert page.status_code == 200
    assert 'data-verdict="genuine"' in page.content.decode() and result.number in page.content.decode()
    response = _api(typed)
    assert response.status_code == 200, response.content
    assert response.json()["genuine"] is True and response.json()["number"] == result.number


@pytest.mark.parametrize("typed", [OLD, OLD.lower(), "OILU-ABCD-2345-WXYZ", "oilu abcd 2345 wxyz"])
def test_an_old_style_code_still_verifies(issued, typed):
    result = _with_code(issued, OLD)
    page = _page(typed)
    assert page.status_code == 200 and result.number in page.content.decode()
    response = _api(typed)
    assert response.status_code == 200, response.content
    assert response.json()["number"] == result.number


def test_a_look_alike_of_an_old_code_is_not_it(issued):
    _with_code(issued, OLD)
    assert _api("0110ABCD2345WXYZ").status_code == 404
    assert _page("0110ABCD2345WXYZ").status_code == 404
