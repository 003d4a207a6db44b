"""Prints each message to standard output (development; never in production: it writes the number out)."""

from __future__ import annotations

import sys

from onewindow.messaging.backends.base import BaseSmsBackend, Sms


class SmsBackend(BaseSmsBackend):
    def __init__(self, stream=None, **kwargs):
        self.stream = stream

    def send(self, sms: Sms) -> str:
        stream = self.stream or sys.stdout
        stream.write(f"SMS {sms.reference} to {sms.phone}: {sms.text}\n")
        stream.flush()
        return f"console-{sms.reference}"
