"""The interface every SMS sender implements."""

from __future__ import annotations

from dataclasses import dataclass


class SmsError(Exception):
    """Delivery failed; the message says why (kept as the outbox row's last error, so no phone in it)."""


@dataclass(frozen=True)
class Sms:
    """What a sender gets: the number, the text and the outbox row's id as a reference."""

    phone: str
    text: str
    reference: str


class BaseSmsBackend:
    def __init__(self, **kwargs):
        pass

    def send(self, sms: Sms) -> str:
        """Deliver one message; return the gateway's reference ('' when it gives none); raise SmsError."""
        raise NotImplementedError
