from tests.conftest import ApiClient


def test_departments_list_every_name_of_the_data_bureau(api):
    body = api("clerk1").get("/departments", {"page_size": 1000}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    bureau = next(d for d in body["results"] if d["kind"] == "bureau")
    assert bureau["names"][0] == bureau["name"]
    assert {"鞍山高新区营商环境建设办公室", "鞍山高新区行政审批局"} <= set(bureau["names"])


def test_sample_has_13_internal_departments_and_one_resident_agency(api):
    results = api("supervisor1").get("/departments", {"page_size": 1000}).json()["results"]
    kinds = [d["kind"] for d in results]
    assert kinds.count("internal") == 13
    assert kinds.count("resident") == 1
    assert kinds.count("bureau") == 1
    assert kinds.count("office") == 1


def test_pagination_links_walk_the_whole_list(api):
    client = api("supervisor1")
    first = client.get("/departments", {"page_size": 5}).json()
    assert first["previous"] is None and first["next"].startswith("http")
    seen = list(first["results"])
    page = first
    while page["next"]:
        page = client.client.get(page["next"], headers=client.headers).json()
        seen.extend(page["results"])
    assert len(seen) == first["count"] == len({d["code"] for d in seen})


def test_page_size_over_1000_is_400(api):
    response = api("supervisor1").get("/departments", {"page_size": 1001})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "page_size" in response.json()["errors"]


def test_unknown_api_path_is_problem_json_404(api):
    response = ApiClient().get("/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_schema_is_openapi_json(api):
    response = ApiClient().get("/schema")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in schema["paths"] and "/api/v1/departments" in schema["paths"]


def test_docs_page_uses_no_cdn(api):
    html = ApiClient().get("/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_staff_list_is_scoped_to_the_callers_department(api):
    mine = api("construction-approver").get("/staff", {"page_size": 1000}).json()["results"]
    assert mine and {s["organisation"] for s in mine} == {"construction"}
    everyone = api("supervisor1").get("/staff", {"page_size": 1000}).json()["results"]
    assert len({s["organisation"] for s in everyone}) > 10
