"""The public guide index: searchable by department and type, with the progress and verification pages
one click away; the staff catalogue keeps a power type on one line; the login page leads to them too."""

import re
from pathlib import Path

from django.test import Client

from onewindow.catalogue.models import SubItem
from tests.conftest import DEMO_PASSWORD


def result_count(html: str) -> int:
    return int(re.search(r'id="result-count">\D*(\d+)', html).group(1))


def listed(html: str) -> set[str]:
    return set(re.findall(r'href="/guide/([^/"]+)/"', html))


def test_the_public_index_filters_by_type(sample_catalogue):
    html = Client().get("/guide/", {"type": "licensing"}).content.decode()
    codes = listed(html)
    assert codes and all(code.startswith("XK") for code in codes)
    total = SubItem.objects.filter(item__power_type="licensing").count()
    assert result_count(html) == total


def test_the_public_index_filters_by_department(sample_catalogue):
    # Everything is still the bureau's in the sample: the bureau lists all 181, a department none yet.
    assert result_count(Client().get("/guide/", {"department": "data-bureau"}).content.decode()) == 181
    html = Client().get("/guide/", {"department": "construction"}).content.decode()
    assert not listed(html) and result_count(html) == 0
    assert '<select id="department" name="department">' in html and '<select id="type" name="type">' in html


def test_the_public_index_links_to_progress_and_verification(sample_catalogue):
    html = Client().get("/guide/").content.decode()
    links = re.search(r'id="public-links".*?</p>', html, re.S).group(0)
    assert 'href="/public/progress/"' in links and 'href="/public/verify/"' in links


def test_the_login_page_links_to_the_public_pages(db):
    html = Client().get("/accounts/login/").content.decode()
    links = re.search(r'id="public-links".*?</section>', html, re.S).group(0)
    for url in ("/guide/", "/public/progress/", "/public/verify/"):
        assert f'href="{url}"' in links


def test_the_catalogue_keeps_a_power_type_on_one_line(sample_catalogue):
    client = Client()
    assert client.login(username="clerk1", password=DEMO_PASSWORD)
    html = client.get("/catalogue/").content.decode()
    assert '<td class="type-col">行政许可</td>' in html
    css = (
        Path(__file__).resolve().parents[2] / "onewindow/catalogue/static/catalogue/catalogue.css"
    ).read_text()
    assert re.search(r"\.type-col[^{]*\{[^}]*white-space:\s*nowrap", css)
