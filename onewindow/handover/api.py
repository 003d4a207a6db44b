"""JSON API of the handover context."""

from ninja import Router

router = Router(tags=["handover"])
