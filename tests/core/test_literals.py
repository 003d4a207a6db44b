"""The literals of a gathered statement (core.prepared._Literals) are psycopg's own, and PostgreSQL reads
back the value that went in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.adapt import Transformer

from onewindow.core.prepared import _Literals

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's literals"),
    pytest.mark.django_db,
]

TEXTS = [
    "",
    "abc",
    "it's",
    "''",
    "受理 “引号” 'x'",
    "back\\slash",
    "a\\'b",
    "; DROP TABLE x; --",
    "\n\t\r",
    "😀",
]
VALUES = [*TEXTS, 0, -7, 2**40, None, True, False, 1.5, dt.date(2026, 12, 1)]


def _both():
    connection.ensure_connection()
    raw = connection.connection
    return _Literals(raw), Transformer.from_context(raw)


def _read_back(literal: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {literal}")  # no parameters: the text goes as it is
        return cursor.fetchone()[0]


def test_each_literal_is_what_psycopg_writes_and_reads_back_as_the_value():
    ours, psycopg = _both()
    for value in VALUES:
        assert ours(value) == psycopg.as_literal(value).decode(), value
        assert _read_back(ours(value)) == value
    moment = dt.datetime(2026, 12, 1, 3, 4, 5, 678901, tzinfo=dt.UTC)
    assert ours(moment) == psycopg.as_literal(moment).decode()
    assert _read_back(ours(moment)) == moment


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))))
def test_any_text_reads_back_as_itself(text):
    ours, psycopg = _both()
    assert ours(text) == psycopg.as_literal(text).decode()
    assert _read_back(ours(text)) == text


def test_the_shortcut_for_texts_is_not_taken_unless_strings_conform():
    ours, _psycopg = _both()
    ours._plain_texts = False  # as on a server with standard_conforming_strings = off
    assert ours("it's") == "'it''s'"  # psycopg's escaping, asked the connection
