"""Writes each message as a file into ONEWINDOW_SMS_FILE_PATH (private: the files hold phone numbers)."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
from django.conf import settings

from onewindow.messaging.backends.base import BaseSmsBackend, Sms, SmsError


class SmsBackend(BaseSmsBackend):
    def __init__(self, file_path=None, **kwargs):
        self.path = Path(file_path or settings.ONEWINDOW_SMS_FILE_PATH)

    def send(self, sms: Sms) -> str:
        name = self.path / f"sms-{sms.reference}.json"
        body = orjson.dumps({"to": sms.phone, "text": sms.text, "reference": sms.reference})  # UTF-8
        try:
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            except FileNotFoundError:  # the folder's first message
                self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                while body:
                    body = body[os.write(fd, body) :]
            finally:
                os.close(fd)
        except OSError as exc:
            raise SmsError(f"cannot write to the SMS folder: {exc.strerror or exc}") from exc
        return name.name
