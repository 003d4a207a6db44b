"""Keeps sent messages in `outbox` (tests)."""

from __future__ import annotations

from onewindow.messaging.backends.base import BaseSmsBackend, Sms

outbox: list[Sms] = []


class SmsBackend(BaseSmsBackend):
    def send(self, sms: Sms) -> str:
        outbox.append(sms)
        return f"locmem-{len(outbox)}"
