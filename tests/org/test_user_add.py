import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onewindow.org.models import Staff
from tests.conftest import database_env_for_subprocess


def add(*args, password="Str0ng-pass-2026"):
    stdin = io.StringIO(password + "\n")
    out = io.StringIO()
    import sys

    old, sys.stdin = sys.stdin, stdin
    try:
        call_command("user", "add", *args, "--password-stdin", stdout=out)
    finally:
        sys.stdin = old
    return out.getvalue()


def test_user_add_creates_approver_in_department(sample_org):
    assert "created" in add("zhang", "--role", "approver", "--department", "construction")
    staff = Staff.objects.get(user__username="zhang")
    assert staff.organisation.code == "construction"
    assert staff.roles == ["approver"]
    assert staff.user.check_password("Str0ng-pass-2026")


def test_the_bureau_has_approvers_until_its_items_are_handed_over(sample_org):
    assert Staff.objects.get(user__username="data-bureau-approver").organisation.kind == "bureau"
    add("bureau2", "--role", "approver", "--department", "data-bureau")


def test_hall_roles_default_to_the_bureau_and_assessment_office_to_dukaoban(sample_org):
    add("w9", "--role", "window_clerk")
    add("a9", "--role", "assessment_office")
    assert Staff.objects.get(user__username="w9").organisation.kind == "bureau"
    assert Staff.objects.get(user__username="a9").organisation.kind == "office"


@pytest.mark.parametrize(
    "args, field",
    [
        (("x1", "--role", "emperor"), "role"),
        (("x2", "--role", "approver", "--department", "no-such-dept"), "department"),
        (("x3", "--role", "approver"), "department"),
        (("x4", "--role", "department_head", "--department", "assessment-office"), "department"),
        (("clerk1", "--role", "window_clerk"), "username"),
    ],
)
def test_bad_user_add_is_refused_and_changes_nothing(sample_org, args, field):
    before = Staff.objects.count()
    with pytest.raises(CommandError) as exc:
        add(*args)
    assert field in str(exc.value)
    assert Staff.objects.count() == before


def test_weak_password_is_refused_by_django_validators(sample_org):
    with pytest.raises(CommandError, match="password"):
        add("weakling", "--role", "window_clerk", password="123")
    assert not Staff.objects.filter(user__username="weakling").exists()


def test_unknown_role_exits_1_from_the_console_script(sample_org):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "onewindow", "user", "add", "nobody", "--role", "emperor", "--password-stdin"],
        input="Str0ng-pass-2026\n",
        capture_output=True,
        text=True,
        env=database_env_for_subprocess(),
    )
    assert result.returncode == 1
    assert "emperor" in result.stderr
