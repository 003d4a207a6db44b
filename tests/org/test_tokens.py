import datetime as dt

from onewindow.core import clock
from tests.conftest import ApiClient


def test_wrong_password_is_401_problem_json(api):
    response = ApiClient().post("/auth/token", {"username": "supervisor1", "password": "wrong-password"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["title"] and body["detail"]


def test_unknown_user_is_401(api):
    assert (
        ApiClient().post("/auth/token", {"username": "nobody", "password": "whatever-1"}).status_code == 401
    )


def test_token_gives_access_and_has_an_expiry_with_offset(api):
    # A clerk: the supervisor must enrol a second factor first (tests/org/test_login_leftovers.py).
    response = ApiClient().post("/auth/token", {"username": "clerk1", "password": "Demo-pass-2026!"})
    assert response.status_code == 200
    expires_at = dt.datetime.fromisoformat(response.json()["expires_at"])
    assert expires_at.utcoffset() == dt.timedelta(hours=8)
    client = ApiClient()
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    assert client.get("/departments").status_code == 200


def test_expired_token_is_refused(api, frozen_clock):
    start = clock.now()
    frozen_clock(start)
    client = api("supervisor1")
    assert client.get("/departments").status_code == 200
    frozen_clock(start + dt.timedelta(hours=9))
    response = client.get("/departments")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_no_token_and_garbage_token_are_401(api):
    assert ApiClient().get("/departments").status_code == 401
    client = ApiClient()
    client.headers["Authorization"] = "Bearer not-a-token"
    assert client.get("/departments").status_code == 401


def test_tokens_are_stored_hashed(api):
    from onewindow.org.models import ApiToken

    raw = (
        ApiClient().post("/auth/token", {"username": "clerk1", "password": "Demo-pass-2026!"}).json()["token"]
    )
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert ApiToken.objects.filter(user__username="clerk1").count() == 1
