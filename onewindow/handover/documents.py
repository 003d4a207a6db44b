"""Documents of the handover: the agreement PDF and the seal graphics (SVG) overlaid on it."""

from __future__ import annotations

import base64
import math
from html import escape

from django.utils import translation

from onewindow.core.pdf import render_pdf
from onewindow.handover.models import SignatureSide
from onewindow.handover.seals import official_seal

SEAL_RED = "#d7191f"
SPECIAL_SUFFIX = "行政审批专用章"


def seal_svg(arc_text: str, bottom_text: str = "", *, size: int = 200) -> str:
    """A round Chinese seal: red ring, five-pointed star, `arc_text` along the top, `bottom_text` under the star.

    Every character is placed and rotated by hand, so any SVG renderer (WeasyPrint's, a browser's)
    draws the same seal without textPath support.
    """
    c = 100.0
    chars = list(arc_text)
    n = len(chars)
    span = min(250.0, max(60.0, 23.0 * n))  # degrees of arc the text covers
    font = max(14.0, min(26.0, 0.9 * 60 * math.radians(span) / max(n, 1)))
    radius = 86 - font  # baseline; the glyphs reach outward to just inside the ring
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="{size}" height="{size}">',
        f'<circle cx="{c}" cy="{c}" r="93" fill="none" stroke="{SEAL_RED}" stroke-width="5.5"/>',
        _star(c, c, 27 if bottom_text else 30),
    ]
    for i, ch in enumerate(chars):
        theta = -span / 2 + (span * i / (n - 1) if n > 1 else span / 2)
        rad = math.radians(theta)
        x = c + radius * math.sin(rad)
        y = c - radius * math.cos(rad)
        parts.append(
            f'<text x="{x:.2f}" y="{y:.2f}" transform="rotate({theta:.2f} {x:.2f} {y:.2f})" '
            f'text-anchor="middle" font-family="Noto Serif CJK SC, Noto Sans CJK SC, serif" font-weight="bold" '
            f'font-size="{font:.1f}" fill="{SEAL_RED}">{escape(ch)}</text>'
        )
    if bottom_text:
        bottom_font = min(17.0, 118.0 / max(len(bottom_text), 1))
        parts.append(
            f'<text x="{c}" y="{c + 56:.1f}" text-anchor="middle" font-family="Noto Serif CJK SC, Noto Sans CJK SC, '
            f'serif" font-weight="bold" font-size="{bottom_font:.1f}" fill="{SEAL_RED}">{escape(bottom_text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _star(cx: float, cy: float, r: float) -> str:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.382
        angle = math.radians(-90 + 36 * k)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return f'<polygon points="{" ".join(points)}" fill="{SEAL_RED}"/>'


def seal_texts(seal) -> tuple[str, str]:
    """What a seal shows: the body's name along the arc, a special seal's purpose under the star."""
    if seal.name.endswith(SPECIAL_SUFFIX):
        prefix = seal.name[: -len(SPECIAL_SUFFIX)]
        if len(prefix) < 5:  # e.g. 高新区行政审批专用章: the body under its approval name
            names = seal.organisation.names
            prefix = next((n for n in names if "行政审批" in n), names[0])
        return prefix, SPECIAL_SUFFIX
    return seal.name, ""


def seal_data_uri(seal) -> str:
    arc, bottom = seal_texts(seal)
    return "data:image/svg+xml;base64," + base64.b64encode(seal_svg(arc, bottom).encode()).decode()


def agreement_context(agreement) -> dict:
    """Both parties, the items, terms, effective time and each signature with the party's official seal."""
    parties = []
    for side, organisation in (
        (SignatureSide.BUREAU, agreement.bureau),
        (SignatureSide.DEPARTMENT, agreement.department),
    ):
        signature = agreement.signature(side)
        seal = official_seal(organisation, signature.signed_at) if signature else None
        parties.append(
            {
                "side": side,
                "organisation": organisation,
                "signature": signature,
                "seal": seal,
                "seal_uri": seal_data_uri(seal) if seal else "",
            }
        )
    items = []
    for sub in agreement.subitems.all():
        if not items or items[-1]["item"].pk != sub.item_id:
            items.append({"item": sub.item, "subitems": []})
        items[-1]["subitems"].append(sub)
    return {"agreement": agreement, "parties": parties, "items": items}


def agreement_pdf(agreement) -> bytes:
    """The agreement in Chinese, whatever the caller's language."""
    with translation.override("zh-hans"):
        return render_pdf("handover/agreement_pdf.html", agreement_context(agreement))
