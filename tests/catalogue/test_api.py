import datetime as dt
from zoneinfo import ZoneInfo

from onewindow.catalogue import services
from onewindow.org.models import Organisation
from tests.conftest import ApiClient

SHANGHAI = ZoneInfo("Asia/Shanghai")
HANDOVER = dt.datetime(2024, 9, 5, 9, 0, tzinfo=SHANGHAI)


def _all(client, **params):
    return client.get("/subitems", {"page_size": 1000, **params}).json()


def test_subitem_list_shape_with_current_implementer(api, sample_catalogue):
    body = _all(api("clerk1"))
    assert body["count"] == 181 and len(body["results"]) == 181
    first = next(s for s in body["results"] if s["code"] == "XK00103001")
    assert first == {
        "code": "XK00103001",
        "name": "企业投资项目核准",
        "item": {"code": "XK00103", "name": "企业投资项目核准", "type": "licensing"},
        "department": {"code": "data-bureau", "name": "鞍山高新区数据局"},
        "promised_days": 10,
    }


def test_listing_181_subitems_is_a_handful_of_queries(api, sample_catalogue, django_assert_max_num_queries):
    client = api("clerk1")
    with django_assert_max_num_queries(6):  # session/token, count, page
        assert len(_all(client)["results"]) == 181


def test_filters_by_type_text_pinyin_and_department(api, sample_catalogue, subitem):
    client = api("supervisor1")
    assert _all(client, type="confirmation")["count"] == 17
    assert _all(client, type="其他行政权力")["count"] == 34
    assert _all(client, type="licensing")["count"] == 130
    assert "XK00103001" in {s["code"] for s in _all(client, q="企业投资")["results"]}
    assert "XK00103001" in {s["code"] for s in _all(client, q="QYTZ")["results"]}
    assert _all(client, q="XK00103001")["count"] == 1
    assert _all(client, department="data-bureau")["count"] == 181
    assert _all(client, department="development")["count"] == 0
    services.start_assignment(
        subitem=subitem,
        organisation=Organisation.objects.get(code="development"),
        at=HANDOVER,
        agreement_id=1,
    )
    moved = _all(client, department="development")["results"]
    assert [s["code"] for s in moved] == ["XK00103001"]
    assert moved[0]["department"]["code"] == "development"


def test_subitem_detail_shape(api, sample_catalogue):
    body = api("issuer1").get("/subitems/XK00103001").json()
    assert body["statutory_days"] == 20 and body["promised_days"] == 10
    assert body["special_procedures"] == ["expert_review"]
    assert body["target_department"] == {"code": "development", "name": "鞍山高新区经济发展局"}
    assert body["materials"][0] == {"code": "M01", "name": "企业投资项目核准申请表", "required": True}
    assert {"code", "name", "item", "department", "promised_days"} <= set(body)


def test_detail_at_gives_the_implementer_at_that_time(api, subitem):
    services.start_assignment(
        subitem=subitem,
        organisation=Organisation.objects.get(code="development"),
        at=HANDOVER,
        agreement_id=1,
    )
    client = api("clerk1")
    before = client.get("/subitems/XK00103001", {"at": "2024-09-05T08:59:59+08:00"}).json()
    after = client.get("/subitems/XK00103001", {"at": "2024-09-05T09:00:00+08:00"}).json()
    assert before["department"]["code"] == "data-bureau"
    assert after["department"]["code"] == "development"
    before_reform = client.get("/subitems/XK00103001", {"at": "2019-01-01T00:00:00+08:00"}).json()
    assert before_reform["department"] is None


def test_unknown_subitem_is_404_and_anonymous_is_401(api, sample_catalogue):
    assert api("clerk1").get("/subitems/NOPE").status_code == 404
    anonymous = ApiClient().get("/subitems")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"


def test_bad_at_is_400(api, sample_catalogue):
    response = api("clerk1").get("/subitems/XK00103001", {"at": "yesterday"})
    assert response.status_code == 400
