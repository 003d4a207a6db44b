import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.validators import (
    USCC_CHARSET,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_resident_id,
    mask_id_number,
    resident_id_check_char,
)


@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014"])
def test_known_resident_ids_are_valid(value):
    assert is_valid_resident_id(value)


@pytest.mark.parametrize("value", ["110105194912310021", "11010519491331002X", "1101051949123100", "abc"])
def test_bad_resident_ids_are_refused(value):
    assert not is_valid_resident_id(value)


def test_known_credit_code_is_valid():
    assert is_valid_credit_code("91350100M000100Y43")
    assert not is_valid_credit_code("91350100M000100Y44")


@given(st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17), st.sampled_from(USCC_CHARSET))
def test_exactly_one_check_char_makes_a_credit_code_valid(first17, last):
    assert is_valid_credit_code(first17 + last) == (last == credit_code_check_char(first17))


@given(st.dates(), st.integers(0, 999999))
def test_exactly_one_check_digit_makes_a_resident_id_valid(birth, serial):
    first17 = f"210302{birth:%Y%m%d}{serial % 1000:03d}"
    if birth.year < 1000:
        return
    good = first17 + resident_id_check_char(first17)
    assert is_valid_resident_id(good)
    wrong = next(c for c in "0123456789X" if c != good[-1])
    assert not is_valid_resident_id(first17 + wrong)


def test_masking_keeps_six_and_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"
