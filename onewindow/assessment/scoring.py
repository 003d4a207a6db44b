"""The one table of scoring rules: how a computed value becomes points, and how months make the year."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from onewindow.assessment.models import Rule

CENT = Decimal("0.01")


def q(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def points(rule: str, *, weight: Decimal, parameter: Decimal | None, value: Decimal | None) -> Decimal:
    """RATE: weight × rate (no data: full weight); TARGET: weight × min(1, count / target);
    DEDUCT: weight − parameter × count, at least 0."""
    weight = Decimal(weight)
    if value is None:
        return q(weight)
    value = Decimal(value)
    if rule == Rule.RATE:
        return q(weight * min(Decimal(1), max(Decimal(0), value)))
    if rule == Rule.TARGET:
        if not parameter or parameter <= 0:
            return q(weight)
        return q(weight * min(Decimal(1), value / Decimal(parameter)))
    if rule == Rule.DEDUCT:
        return q(max(Decimal(0), weight - Decimal(parameter or 0) * value))
    raise ValueError(f"unknown rule {rule!r}")


def weighted_mean(values: dict[int, Decimal], weights: list) -> Decimal | None:
    """Weighted mean of {month: score}: each month's weight from `weights` (January first; missing or
    empty list: 1). Months without a result are left out."""
    if not values:
        return None
    total = Decimal(0)
    weight_sum = Decimal(0)
    for month, value in values.items():
        w = Decimal(str(weights[month - 1])) if len(weights) >= month else Decimal(1)
        total += w * Decimal(value)
        weight_sum += w
    return q(total / weight_sum) if weight_sum else None


def annual(*, monthly_share: Decimal, monthly_mean: Decimal | None, year_end: Decimal | None) -> Decimal:
    """Annual = share × weighted mean of the months + (1 − share) × year-end part (a missing part counts 0)."""
    share = Decimal(monthly_share)
    return q(share * (monthly_mean or 0) + (1 - share) * (year_end or 0))


def grade_of(total) -> str:
    """The rating band (考核等次) of a total: 优秀 ≥ 90, 合格 ≥ 75, 基本合格 ≥ 60, else 不合格."""
    total = Decimal(total)
    if total >= 90:
        return "excellent"
    if total >= 75:
        return "competent"
    if total >= 60:
        return "basically_competent"
    return "incompetent"
