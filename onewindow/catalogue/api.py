"""JSON API of the catalogue context."""

from ninja import Router

router = Router(tags=["catalogue"])
