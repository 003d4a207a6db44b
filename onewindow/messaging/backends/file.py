"""Writes each message as a file into ONEWINDOW_SMS_FILE_PATH (private: the files hold phone numbers)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings

from onewindow.messaging.backends.base import BaseSmsBackend, Sms, SmsError


class SmsBackend(BaseSmsBackend):
    def __init__(self, file_path=None, **kwargs):
        self.path = Path(file_path or settings.ONEWINDOW_SMS_FILE_PATH)

    def send(self, sms: Sms) -> str:
        try:
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
            name = self.path / f"sms-{sms.reference}.json"
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(
                    {"to": sms.phone, "text": sms.text, "reference": sms.reference},
                    handle,
                    ensure_ascii=False,
                )
        except OSError as exc:
            raise SmsError(f"cannot write to the SMS folder: {exc.strerror or exc}") from exc
        return name.name
