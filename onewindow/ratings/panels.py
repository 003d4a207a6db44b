"""The 好差评 panel the public progress page of cases shows (registered with cases.hooks.public_case_panels)."""

from __future__ import annotations

from django.template.loader import render_to_string

from onewindow.ratings import selectors
from onewindow.ratings.models import Level


def public_rating_panel(request, progress: dict, check: str) -> str:
    """Under an issued case: the rating already given, or the form (the check travels in the form's body)."""
    if progress.get("status") != "issued":
        return ""
    rating = selectors.rating_of_case(progress["number"])
    return render_to_string(
        "ratings/_public_panel.html",
        {"number": progress["number"], "check": check, "rating": rating, "levels": reversed(Level.choices)},
        request=request,
    )
