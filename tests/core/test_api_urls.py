"""The API's URL patterns grouped by first segment (core.api.by_first_segment) match as the flat list did."""

import re

from django.urls import URLPattern, resolve

from onewindow.api import api
from onewindow.core.api import by_first_segment
from onewindow.org.access import BearerAuth


def _flat():
    return super(type(api), api)._get_urls()


def _sample(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: "7" if m.group(1) in ("int", "path") else "x7", route)


def test_every_api_route_resolves_to_the_view_the_flat_list_gives():
    flat = _flat()
    assert len(flat) > 60
    grouped = api.urls[0]
    assert len(grouped) < len(flat) // 2  # grouped, or the test below proves nothing
    for pattern in flat:
        path = "/api/v1/" + _sample(pattern.pattern._route)
        match = resolve(path)
        first = next(p for p in flat if p.pattern.match(path[len("/api/v1/") :]))
        assert match.url_name == first.name, path
        assert match.route == "api/v1/" + first.pattern._route


def test_a_first_segment_that_is_not_literal_leaves_the_list_as_it_is():
    view = BearerAuth  # any callable
    patterns = [URLPattern(p.pattern, view) for p in _flat()[:3]]
    from django.urls import path

    patterns.append(path("<str:code>/files", view))
    assert by_first_segment(patterns) == patterns
