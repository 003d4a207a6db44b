"""JSON API of organisations and people: tokens, departments, staff."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from ninja.pagination import paginate

from onewindow.core.api import Page
from onewindow.org import selectors, services

router = Router(tags=["org"])


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = None


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


class DepartmentOut(Schema):
    code: str
    name: str
    names: list[str]
    kind: str


class StaffOut(Schema):
    username: str
    full_name: str
    organisation: str
    roles: list[str]

    @staticmethod
    def resolve_username(obj):
        return obj.user.username

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.code


@router.post("/auth/token", auth=None, response={200: TokenOut}, summary="Issue a Bearer token")
def token(request, payload: TokenIn):
    raw, expires_at = services.issue_token(
        username=payload.username, password=payload.password, request=request
    )
    return {"token": raw, "expires_at": expires_at}


@router.get("/departments", response=list[DepartmentOut], summary="Organisations with all their names")
@paginate(Page)
def departments(request):
    return selectors.departments()


@router.get("/staff", response=list[StaffOut], summary="Staff in the caller's scope")
@paginate(Page)
def staff(request):
    return selectors.visible_staff(request.auth)
