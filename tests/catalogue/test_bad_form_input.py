"""Form fields of the guide editor are parsed by form fields: nonsense is an error message, never a 500."""

import pytest

from tests.catalogue.test_views import login


@pytest.mark.parametrize("rows", ["abc", "9" * 5000, "99999999999"])
def test_a_nonsense_material_row_count_is_no_server_error(sample_catalogue, rows):
    client = login("supervisor1")
    client.post("/catalogue/XK00103001/draft/")
    response = client.post(
        "/catalogue/XK00103001/guide/2/",
        {"statutory_days": "20", "promised_days": "9" * 5000, "material_rows": rows, "m1-copies": "x"},
    )
    assert response.status_code in (200, 302)
