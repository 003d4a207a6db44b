"""Typed domain errors: a service raises one with a code; the API renders problem+json, the UI a message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every error a service raises on purpose. `status` is the HTTP status the API answers."""

    status = 422
    default_title = _("Business rule violated")

    def __init__(self, message, *, code: str = "", errors: dict | None = None, title=None):
        super().__init__(str(message))
        self.message = message
        self.code = code or self.__class__.__name__
        self.errors = errors or {}
        self.title = title or self.default_title


class InvalidInput(DomainError):
    """Malformed or invalid input (400); `errors` maps field names to messages."""

    status = 400
    default_title = _("Invalid input")


class InvalidValue(InvalidInput):
    """A well-formed value (one /api/v1/schema allows) that a check the schema cannot state refuses: a
    check digit, an unknown code, a field that another field's value makes necessary (422)."""

    status = 422


class NotAuthenticated(DomainError):
    status = 401
    default_title = _("Not authenticated")


class NotFound(DomainError):
    """Unknown, or outside the caller's scope: the two look the same from outside."""

    status = 404
    default_title = _("Not found")


class PermissionDenied(DomainError):
    status = 403
    default_title = _("Permission denied")


class Conflict(DomainError):
    """Wrong state or stale version: nothing was changed."""

    status = 409
    default_title = _("Conflict")


class RuleViolation(DomainError):
    status = 422
    default_title = _("Business rule violated")


class TooManyRequests(DomainError):
    """Over a rate limit; `retry_after` (seconds) becomes the Retry-After header."""

    status = 429
    default_title = _("Too many requests")

    def __init__(self, message, *, retry_after: int = 1, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
