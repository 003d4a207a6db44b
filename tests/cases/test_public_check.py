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
