"""Template filters of the catalogue pages."""

from django import template

from onewindow.catalogue.selectors import POWER_TYPE_NAMES

register = template.Library()


@register.filter
def power_type_name(code: str) -> str:
    """The national Chinese name of a power type (行政许可 …), as power lists print it."""
    return POWER_TYPE_NAMES.get(code, code)


@register.filter
def procedure_name(code: str) -> str:
    """The label of a special procedure code (expert_review → 专家评审 in Chinese)."""
    from onewindow.catalogue.models import SpecialProcedure

    return dict(SpecialProcedure.choices).get(code, code)
