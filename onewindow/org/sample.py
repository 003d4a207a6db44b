"""Sample organisations, hall, windows and demo users of the Anshan High-tech Zone (illustrative, idempotent)."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction

from onewindow.org import roles as r
from onewindow.org import services
from onewindow.org.models import Hall, Organisation, OrganisationAlias, Region, Staff, Stationing, Window

DATA = Path(__file__).parent / "data" / "sample_org.json"

# Demo logins of the hall and the bureau: (username, role, full name, window number).
HALL_USERS = [
    ("clerk1", r.WINDOW_CLERK, "王晓梅", "A01"),
    ("clerk2", r.WINDOW_CLERK, "李娜", "A02"),
    ("issuer1", r.ISSUING_CLERK, "张丽", "C01"),
    ("supervisor1", r.SUPERVISOR, "刘建国", None),
    ("assessor1", r.ASSESSMENT_OFFICE, "陈静", None),
    ("sysadmin1", r.SYSADMIN, "赵磊", None),
    ("secadmin1", r.SECADMIN, "孙伟", None),
    ("auditor1", r.AUDITOR, "周敏", None),
]


def demo_password() -> str:
    """ONEWINDOW_DEMO_PASSWORD, else one generated once into the data dir (make demo prints it)."""
    from_env = os.environ.get("ONEWINDOW_DEMO_PASSWORD")
    if from_env:
        return from_env
    path = Path(settings.DATA_DIR) / "demo_password"
    if not path.exists():
        path.write_text("Ow-" + secrets.token_urlsafe(9))
        path.chmod(0o600)
    return path.read_text().strip()


@transaction.atomic
def load_organisations() -> dict:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    region, _ = Region.objects.update_or_create(
        code=data["region"]["code"], defaults={"name": data["region"]["name"]}
    )
    for row in data["organisations"]:
        org, _ = Organisation.objects.update_or_create(
            code=row["code"],
            defaults={
                "region": region,
                "name": row["name"],
                "short_name": row["short_name"],
                "kind": row["kind"],
                "credit_code": row["credit_code"],
                "sort_order": row["sort_order"],
            },
        )
        for i, alias in enumerate(row["aliases"]):
            OrganisationAlias.objects.update_or_create(
                organisation=org, name=alias, defaults={"sort_order": i}
            )
    hall_data = data["hall"]
    hall, _ = Hall.objects.update_or_create(
        code=hall_data["code"],
        defaults={
            "region": region,
            "name": hall_data["name"],
            "address": hall_data["address"],
            "phone": hall_data["phone"],
        },
    )
    for w in hall_data["windows"]:
        Window.objects.update_or_create(
            hall=hall, number=w["number"], defaults={"kind": w["kind"], "active": True}
        )
    return {"region": region, "hall": hall}


def load_users(*, hall: Hall, stationed_from: dt.date) -> int:
    """Create the demo logins that do not exist yet; returns how many were created."""
    password = demo_password()
    created = 0
    for username, role, full_name, window in HALL_USERS:
        if not Staff.objects.filter(user__username=username).exists():
            staff = services.create_user(
                actor=None, username=username, role=role, password=password, full_name=full_name
            )
            if window:
                Staff.objects.filter(pk=staff.pk).update(window=Window.objects.get(hall=hall, number=window))
            created += 1
    # The bureau approves every item until its handover takes effect; the departments after.
    departments = Organisation.objects.filter(kind__in=["bureau", "internal", "resident"]).order_by(
        "sort_order"
    )
    for n, dept in enumerate(departments, start=1):
        for suffix, role, name in (("approver", r.APPROVER, "审批员"), ("head", r.DEPARTMENT_HEAD, "负责人")):
            username = f"{dept.code}-{suffix}"
            if Staff.objects.filter(user__username=username).exists():
                continue
            staff = services.create_user(
                actor=None,
                username=username,
                role=role,
                password=password,
                department=dept.code,
                full_name=f"{dept.short_name or dept.name}{name}",
            )
            created += 1
            if role == r.APPROVER:
                Stationing.objects.create(
                    staff=staff,
                    department=dept,
                    hall=hall,
                    valid_from=stationed_from,
                    qualification_number=f"LN-SP-{2024}{n:03d}",
                    qualification_expiry=stationed_from.replace(year=stationed_from.year + 3),
                )
    return created
