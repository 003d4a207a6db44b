"""Writes on the catalogue, one module per seam: guide versions, implementing periods (rule 1), the import.

Callers import from here (`from onewindow.catalogue import services`); the modules are the layout.
"""

from onewindow.catalogue.services.assignments import (
    begin_range,
    cancel_assignment,
    check_assignment_ranges,
    start_assignment,
)
from onewindow.catalogue.services.guides import (
    MATERIAL_FIELDS,
    after_publish,
    clean_material,
    draft_guide,
    edit_draft,
    on_guide_published,
    publish_guide,
    validate_guide_values,
)
from onewindow.catalogue.services.importing import ImportRejected, import_catalogue

__all__ = [
    "MATERIAL_FIELDS",
    "ImportRejected",
    "after_publish",
    "begin_range",
    "cancel_assignment",
    "check_assignment_ranges",
    "clean_material",
    "draft_guide",
    "edit_draft",
    "import_catalogue",
    "on_guide_published",
    "publish_guide",
    "start_assignment",
    "validate_guide_values",
]
