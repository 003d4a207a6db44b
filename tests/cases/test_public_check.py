"""The public progress query keeps the phone digits out of URLs and access logs."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace

from django.test import Client

from tests.cases.conftest import PERSON, drive, new_case, ok
from tests.conftest import ApiClient


def test_the_check_can_travel_in_a_header_or_a_post_body(clients):
    case = new_case(clients.clerk)
    anonymous = ApiClient()
    by_header = anonymous.get(f"/public/cases/{case['number']}", **{"X-Check": "5678"})
    by_body = anonymous.post(f"/public/cases/{case['number']}", {"check": "5678"})
    by_query = anonymous.get(f"/public/cases/{case['number']}", {"check": "5678"})  # CONTRACT's form
    assert ok(by_header) == ok(by_body) == ok(by_query)
    wrong = anonymous.post(f"/public/cases/{case['number']}", {"check": "0000"})
    assert wrong.status_code == 404


def test_the_progress_page_posts_the_check(world):
    case = drive("in_review")
    client = Client()
    form = client.get("/public/progress/").content.decode()
    assert 'method="post"' in form
    response = client.post("/public/progress/", {"number": case.number, "check": PERSON["phone"][-4:]})
    assert response.status_code == 200
    assert "审查中" in response.content.decode()


def test_the_access_log_masks_the_check(caplog):
    from gunicorn.config import Config

    from onewindow.site.access_log import MaskingLogger

    config = Config()
    config.set("accesslog", "-")
    logger = MaskingLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/v1/public/cases/2103002024092700001?check=5678",
        "PATH_INFO": "/api/v1/public/cases/2103002024092700001",
        "QUERY_STRING": "check=5678",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_REFERER": "http://127.0.0.1:8000/public/progress/?number=1&check=5678",
    }
    response = SimpleNamespace(status="404 Not Found", sent=10, headers=[])
    request = SimpleNamespace(headers=[("X-CHECK", "5678")])
    line = logger.cfg.access_log_format % logger.atoms(response, request, environ, dt.timedelta(seconds=0))
    assert "5678" not in line
    assert "check=****" in line
    atoms = logger.atoms(response, request, environ, dt.timedelta(seconds=0))
    assert "5678" not in str(atoms)
    logging.getLogger(__name__).debug(line)


def test_the_access_log_line_is_gunicorns_own_where_there_is_no_check():
    """The lean atoms of the default format give the line gunicorn's full atoms give; another format
    still gets every atom, masked."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from onewindow.site.access_log import MaskingLogger

    config = Config()
    config.set("accesslog", "-")
    ours, theirs = MaskingLogger(config), Logger(config)
    ours.now = theirs.now = lambda: "[01/Dec/2026:09:30:00 +0800]"
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/api/v1/cases/2103002024092700001/actions?x=1",
        "PATH_INFO": "/api/v1/cases/2103002024092700001/actions",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_USER_AGENT": "curl/8",
    }
    request = SimpleNamespace(headers=[("USER-AGENT", "curl/8")])
    for response in (
        SimpleNamespace(status="200 OK", sent=1234, headers=[]),
        SimpleNamespace(status="304 Not Modified", sent=0, headers=[]),
        SimpleNamespace(status=500, sent=None, headers=[]),
    ):
        at = dt.timedelta(seconds=0)
        line = config.access_log_format % ours.atoms(response, request, environ, at)
        assert line == config.access_log_format % theirs.atoms(response, request, environ, at)
    config.set("access_log_format", "%(r)s %({x-check}i)s %({query_string}e)s")
    environ["QUERY_STRING"] = "check=5678"
    request = SimpleNamespace(headers=[("X-CHECK", "5678")])
    line = config.access_log_format % ours.atoms(response, request, environ, at)
    assert "5678" not in line and "check=****" in line
