"""Names are one line of printable text: no control or text-direction override characters."""

import pytest
from django.core.exceptions import ValidationError

from onewindow.core.errors import InvalidInput
from onewindow.org import services
from onewindow.org.models import Organisation


@pytest.mark.parametrize("name", ["王\u202e五", "王\u0007五", "\u2067王五"])
def test_a_staff_name_with_control_characters_is_refused(sample_org, name):
    with pytest.raises(InvalidInput) as exc:
        services.create_user(
            actor=None, username="w5", role="window_clerk", password="Str0ng-pass-2026", full_name=name
        )
    assert "full_name" in exc.value.errors


def test_an_organisation_name_with_a_bidi_override_fails_validation(sample_org):
    organisation = Organisation.objects.get(code="construction")
    organisation.name = "住建局\u202e"
    with pytest.raises(ValidationError):
        organisation.full_clean()
