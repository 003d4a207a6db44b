"""An HTTP(S) SMS gateway: POST {"to", "text", "reference"} as JSON to ONEWINDOW_SMS_GATEWAY_URL with
`Authorization: Bearer ONEWINDOW_SMS_GATEWAY_KEY`; any 2xx answer is delivery, its JSON `id` (if any) the
reference. Timeout ONEWINDOW_SMS_TIMEOUT seconds. Standard library only (urllib)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings

from onewindow.messaging.backends.base import BaseSmsBackend, Sms, SmsError


class SmsBackend(BaseSmsBackend):
    def __init__(self, url=None, key=None, timeout=None, **kwargs):
        self.url = url or settings.ONEWINDOW_SMS_GATEWAY_URL
        self.key = key if key is not None else settings.ONEWINDOW_SMS_GATEWAY_KEY
        self.timeout = timeout or settings.ONEWINDOW_SMS_TIMEOUT

    def send(self, sms: Sms) -> str:
        if not self.url:
            raise SmsError("ONEWINDOW_SMS_GATEWAY_URL is not set")
        body = json.dumps({"to": sms.phone, "text": sms.text, "reference": sms.reference}, ensure_ascii=False)
        request = urllib.request.Request(
            self.url,
            data=body.encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310 (configured URL)
                raw = answer.read(65536)
        except urllib.error.HTTPError as exc:
            raise SmsError(f"gateway answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsError(f"gateway unreachable: {reason}") from exc
        try:
            reference = json.loads(raw or b"{}").get("id", "")
        except (ValueError, AttributeError):
            reference = ""
        return str(reference or "")[:100]
