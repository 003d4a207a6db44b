"""QR codes as inline SVG, for receipts, results and verification pages."""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    """An SVG <svg> element encoding `data` (medium error correction)."""
    image = qrcode.make(
        data, image_factory=qrcode.image.svg.SvgPathImage, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    return image.to_string(encoding="unicode")


def qr_data_uri(data: str) -> str:
    """The same QR as a data: URI, for <img src> in templates and PDFs."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(data).encode()).decode()
