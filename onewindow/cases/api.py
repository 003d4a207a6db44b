"""JSON API of the cases context."""

from ninja import Router

router = Router(tags=["cases"])
