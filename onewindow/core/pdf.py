"""Render a Django template to a PDF with WeasyPrint (fonts from Debian's fonts-noto-cjk; no network)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    """HTML template → PDF bytes. Static files resolve from the app's own static dirs, never a URL."""
    from weasyprint import HTML  # imported late: needs Pango, only where PDFs are made

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
