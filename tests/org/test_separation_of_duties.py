"""三员分立 that holds: the system administrator keeps accounts but cannot grant roles, superuser status or
permissions, nor touch another administrator; the security administrator grants roles, never to himself
and never two administrator roles to one person; the auditor reads the audit log; all of it audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client

from onewindow.core import audit
from onewindow.core.errors import InvalidInput, PermissionDenied
from onewindow.core.models import AuditEntry
from onewindow.org import accounts, roles, services
from tests.conftest import ApiClient, sign_in

User = get_user_model()


def user(username):
    return User.objects.select_related("staff__organisation__region").get(username=username)


def group_permissions() -> dict[str, set[str]]:
    return {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


def expected_permissions() -> dict[str, set[str]]:
    return {role: set(roles.ROLE_PERMISSIONS.get(role, [])) for role in roles.ROLES}


# --- Role permissions after migrate ----------------------------------------------------------------


def test_a_freshly_migrated_database_gives_every_role_its_permissions(db):
    """The test database was just created by migrate: the role sync ran after Django's permissions existed."""
    assert group_permissions() == expected_permissions()
    assert "core.view_auditentry" in group_permissions()["auditor"]


def test_migrating_again_keeps_the_permissions_and_never_gives_the_sysadmin_user_forms(db):
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    perms = group_permissions()
    assert perms == expected_permissions()
    assert not {p for p in perms["sysadmin"] if p.startswith("auth.")}
    assert "org.change_staff" not in perms["sysadmin"] and "org.add_staff" not in perms["sysadmin"]


def test_a_permission_added_by_hand_is_taken_away_by_the_next_migrate_and_audited(db):
    sysadmin = Group.objects.get(name="sysadmin")
    sysadmin.permissions.add(Permission.objects.get(content_type__app_label="auth", codename="change_user"))
    call_command("migrate", verbosity=0)
    assert group_permissions() == expected_permissions()
    entry = AuditEntry.objects.get(action="org.role.permissions")
    assert entry.detail["role"] == "sysadmin" and entry.detail["removed"] == ["auth.change_user"]
    assert audit.verify().ok


# --- The system administrator ----------------------------------------------------------------------


def test_the_sysadmin_cannot_grant_roles_or_create_users_with_roles_through_the_services(sample_org):
    sysadmin = user("sysadmin1")
    with pytest.raises(PermissionDenied):
        accounts.grant_role(actor=sysadmin, user=user("clerk1"), role="supervisor")
    with pytest.raises(PermissionDenied):
        accounts.grant_role(actor=sysadmin, user=sysadmin, role="auditor")
    with pytest.raises(PermissionDenied):
        services.create_user(actor=sysadmin, username="mole", role="supervisor", password="Str0ng-pass-2026")
    assert roles.roles_of(user("clerk1")) == {"window_clerk"}
    assert not User.objects.filter(username="mole").exists()


def test_the_sysadmin_cannot_change_another_administrator(sample_org):
    sysadmin = user("sysadmin1")
    for target in ("secadmin1", "auditor1"):
        with pytest.raises(PermissionDenied):
            accounts.reset_password(actor=sysadmin, user=user(target))
        with pytest.raises(PermissionDenied):
            accounts.set_active(actor=sysadmin, user=user(target), active=False)
    assert user("secadmin1").is_active and user("secadmin1").check_password("Demo-pass-2026!")


def test_the_sysadmin_pages_offer_no_role_superuser_or_other_admins_password(sample_org):
    client = sign_in(Client(), "sysadmin1")
    # Django's user and group forms are gone from the admin site.
    assert client.get("/admin/auth/user/").status_code == 404
    assert client.get("/admin/auth/group/").status_code == 404
    assert client.get("/admin/auth/user/1/change/").status_code == 404
    # The role page belongs to the security administrator.
    assert client.post("/org/roles/clerk1/", {"op": "grant", "role": "supervisor"}).status_code == 403
    assert client.post("/org/roles/sysadmin1/", {"op": "grant", "role": "supervisor"}).status_code == 403
    assert roles.roles_of(user("clerk1")) == {"window_clerk"}
    assert roles.roles_of(user("sysadmin1")) == {"sysadmin"}
    # Another administrator's password cannot be reset from the accounts page.
    response = client.post("/org/accounts/secadmin1/action/", {"action": "reset"}, follow=True)
    assert user("secadmin1").check_password("Demo-pass-2026!")
    assert "one-time-password" not in response.content.decode()
    page = client.get("/org/accounts/").content.decode()
    assert "is_superuser" not in page and 'name="role"' not in page


def test_the_sysadmin_creates_an_account_without_a_role_and_with_a_one_time_password(sample_org):
    client = sign_in(Client(), "sysadmin1")
    response = client.post(
        "/org/accounts/new/",
        {"username": "newclerk", "full_name": "新职员", "department": "data-bureau", "phone": ""},
    )
    assert response.status_code == 200
    password = response.context["password"]
    account = user("newclerk")
    assert account.check_password(password) and roles.roles_of(account) == set()
    assert AuditEntry.objects.filter(
        action="org.account.create", actor="sysadmin1", object_id=str(account.pk)
    ).exists()

    # The one-time password opens nothing but the password page.
    newcomer = Client()
    response = newcomer.post("/accounts/login/", {"username": "newclerk", "password": password})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert newcomer.get("/org/organisations/")["Location"] == "/accounts/password/"
    response = newcomer.post(
        "/accounts/password/",
        {"old_password": password, "new_password": "Fresh-start-2026", "new_password2": "Fresh-start-2026"},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert newcomer.get("/").status_code == 200
    # The one-time password is spent.
    assert ApiClient().post("/auth/token", {"username": "newclerk", "password": password}).status_code == 401


def test_the_sysadmin_disables_and_resets_an_ordinary_account_and_both_are_audited(sample_org):
    clerk = ApiClient("clerk1")
    client = sign_in(Client(), "sysadmin1")
    response = client.post("/org/accounts/clerk1/action/", {"action": "reset"})
    password = response.context["password"]
    assert user("clerk1").check_password(password)
    assert clerk.get("/departments").status_code == 401  # the reset ended the tokens
    forced = ApiClient().post("/auth/token", {"username": "clerk1", "password": password})
    assert forced.status_code == 403 and forced.json()["code"] == "auth.password_change_required"

    clerk = ApiClient("issuer1")
    client.post("/org/accounts/issuer1/action/", {"action": "disable"})
    assert not user("issuer1").is_active
    assert clerk.get("/departments").status_code == 401
    assert AuditEntry.objects.filter(action="org.account.reset_password", actor="sysadmin1").count() == 1
    assert AuditEntry.objects.filter(action="org.account.disable", actor="sysadmin1").count() == 1


# --- The security administrator --------------------------------------------------------------------


def test_the_secadmin_grants_and_removes_roles_and_each_change_is_audited(sample_org):
    client = sign_in(Client(), "secadmin1")
    assert client.post("/org/roles/clerk1/", {"op": "grant", "role": "issuing_clerk"}).status_code == 302
    assert roles.roles_of(user("clerk1")) == {"window_clerk", "issuing_clerk"}
    client.post("/org/roles/clerk1/", {"op": "revoke", "role": "window_clerk"})
    assert roles.roles_of(user("clerk1")) == {"issuing_clerk"}
    grant = AuditEntry.objects.get(action="org.role.grant")
    assert grant.actor == "secadmin1" and grant.detail["role"] == "issuing_clerk"
    assert AuditEntry.objects.filter(action="org.role.revoke", actor="secadmin1").count() == 1


def test_the_secadmin_never_changes_his_own_roles_nor_joins_two_administrator_roles(sample_org):
    secadmin = user("secadmin1")
    with pytest.raises(PermissionDenied):
        accounts.grant_role(actor=secadmin, user=secadmin, role="auditor")
    with pytest.raises(PermissionDenied):
        accounts.revoke_role(actor=secadmin, user=secadmin, role="secadmin")
    for target, role in (
        ("sysadmin1", "auditor"),
        ("auditor1", "secadmin"),
        ("auditor1", "sysadmin"),
        ("sysadmin1", "supervisor"),  # administrators see no business data
        ("supervisor1", "auditor"),
    ):
        with pytest.raises(InvalidInput):
            accounts.grant_role(actor=secadmin, user=user(target), role=role)
    assert roles.roles_of(user("sysadmin1")) == {"sysadmin"}
    assert roles.roles_of(user("auditor1")) == {"auditor"}
    # Through the page: refused with a message, nothing changed.
    client = sign_in(Client(), "secadmin1")
    client.post("/org/roles/secadmin1/", {"op": "grant", "role": "supervisor"})
    client.post("/org/roles/sysadmin1/", {"op": "grant", "role": "auditor"})
    assert roles.roles_of(user("secadmin1")) == {"secadmin"}
    assert roles.roles_of(user("sysadmin1")) == {"sysadmin"}


def test_the_secadmin_has_no_account_powers(sample_org):
    secadmin = user("secadmin1")
    with pytest.raises(PermissionDenied):
        accounts.reset_password(actor=secadmin, user=user("clerk1"))
    client = sign_in(Client(), "secadmin1")
    assert client.post("/org/accounts/clerk1/action/", {"action": "reset"}).status_code == 403
    assert client.get("/admin/").status_code == 302


# --- The auditor -----------------------------------------------------------------------------------


def test_only_the_auditor_reads_the_audit_log_through_the_api(sample_org):
    for username in ("supervisor1", "sysadmin1", "secadmin1", "clerk1"):
        response = ApiClient(username).get("/audit")
        assert response.status_code == 403, username
        assert response["Content-Type"] == "application/problem+json"
    assert ApiClient().get("/audit").status_code == 401
    body = ApiClient("auditor1").get("/audit", {"action": "org.user.create", "page_size": 5}).json()
    assert body["count"] >= 30 and len(body["results"]) == 5 and body["next"]
    first = body["results"][0]
    assert set(first) == {
        "seq",
        "at",
        "actor",
        "role",
        "organisation",
        "action",
        "object_type",
        "object_id",
        "success",
    }
    assert first["action"] == "org.user.create"


def test_the_audit_api_filters_by_actor_action_and_time(sample_org):
    ApiClient("clerk1")
    auditor = ApiClient("auditor1")
    mine = auditor.get("/audit", {"actor": "clerk1", "action": "auth.*"}).json()["results"]
    assert [e["action"] for e in mine] == ["auth.token.issue"]
    assert auditor.get("/audit", {"from": "2000-01-01", "to": "2000-01-02"}).json()["count"] == 0
    assert auditor.get("/audit", {"from": "yesterday"}).status_code == 400


def test_the_auditor_page_filters_and_exports_csv_and_xlsx(sample_org):
    client = sign_in(Client(), "auditor1")
    page = client.get("/org/audit/", {"action": "org.user.create"})
    assert page.status_code == 200 and "org.user.create" in page.content.decode()
    exported = client.get("/org/audit/", {"action": "org.user.create", "format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["seq", "at", "actor"] and len(rows) > 30
    xlsx = client.get("/org/audit/", {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    assert AuditEntry.objects.filter(action="audit.export", actor="auditor1").count() == 2
    for username in ("supervisor1", "sysadmin1", "secadmin1"):
        assert sign_in(Client(), username).get("/org/audit/").status_code == 403


# --- Superusers ------------------------------------------------------------------------------------


def test_a_superuser_made_by_createsuperuser_is_audited(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Break-glass-2026!")
    call_command("createsuperuser", "--no-input", "--username", "breakglass", "--email", "ops@example.org")
    entry = AuditEntry.objects.get(action="org.superuser.grant")
    assert entry.detail["username"] == "breakglass"
    account = User.objects.get(username="breakglass")
    account.is_superuser = False
    account.save()
    assert AuditEntry.objects.filter(action="org.superuser.revoke").count() == 1
    assert audit.verify().ok
