"""The access matrix: every role × every URL pattern and every API operation × own/other scope.

The expected outcomes are data (PAGES, OPERATIONS). The routes come from the URL conf and the operations
from /api/v1/schema, so an endpoint without an entry here fails the suite: whoever adds one decides who
may use it. "Own" objects belong to the construction department (the department of the approver and the
head below), "other" ones to the health department; hall and bureau roles see the region's.

Each request runs inside a savepoint that is rolled back, so every cell sees the same world and the
order of the cells does not matter.
"""

from __future__ import annotations

import copy
import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from onewindow.catalogue.models import Assignment, SubItem
from onewindow.handover import services as handover_services
from onewindow.handover.models import Seal
from onewindow.org.models import Stationing
from tests.cases.conftest import ACCEPTED_AT, PERSON, at, build_world, drive
from tests.conftest import ApiClient, sign_in

# -- outcomes ---------------------------------------------------------------------------------------
OK = "ok"  # the access check passed: 2xx, a redirect that is not to a login page, or 400/409/422
LOGIN = "login"  # redirected to the login page
ADMIN_LOGIN = "admin-login"  # redirected to the admin site's login page
ADMIN_IN = "admin-in"  # inside the admin site (the model permissions decide the rest)

ROLES = {
    "anonymous": None,
    "window_clerk": "clerk1",
    "issuing_clerk": "issuer1",
    "approver": "construction-approver",
    "department_head": "construction-head",
    "supervisor": "supervisor1",
    "assessment_office": "assessor1",
    "sysadmin": "sysadmin1",
    "secadmin": "secadmin1",
    "auditor": "auditor1",
}
BUSINESS = ("window_clerk", "issuing_clerk", "approver", "department_head", "supervisor", "assessment_office")
ADMINS = ("sysadmin", "secadmin", "auditor")
STAFF = BUSINESS + ADMINS
CASE_ROLES = ("window_clerk", "issuing_clerk", "approver", "department_head", "supervisor")
HALL = ("window_clerk", "issuing_clerk", "supervisor")  # the region's cases
DEPARTMENT = ("approver", "department_head")  # their department's cases and postings


def expect(ok=(), *, scoped=(), hidden=(), anonymous=LOGIN, others=403, **special):
    """{role: (own, other)}: `ok` pass on both scopes, `scoped` pass on their own and get 404 on the other,
    `hidden` get 404 on both, `special` role=outcome or (own, other); the rest get `others`."""
    table = {}
    for role in ROLES:
        outcome = (others, others)
        if role == "anonymous":
            outcome = (anonymous, anonymous)
        if role in ok:
            outcome = (OK, OK)
        if role in scoped:
            outcome = (OK, 404)
        if role in hidden:
            outcome = (404, 404)
        if role in special:
            value = special[role]
            outcome = value if isinstance(value, tuple) else (value, value)
        table[role] = outcome
    return table


PUBLIC = expect(ok=tuple(ROLES), anonymous=OK)
NOT_ASSESSED_HERE = ("approver", "window_clerk", "issuing_clerk")  # a department's results: 404
ADMIN_SITE = expect(anonymous=ADMIN_LOGIN, others=ADMIN_LOGIN, sysadmin=ADMIN_IN)

# -- the HTML pages: (route name, or the path when it has none; method) → expected ------------------
PAGES = {
    ("home", "GET"): expect(STAFF),
    ("healthz", "GET"): PUBLIC,
    ("login", "GET"): PUBLIC,
    ("account_verify", "GET"): expect(STAFF),  # the second factor of a login
    ("account_two_factor", "GET"): expect(STAFF),
    ("account_password", "GET"): expect(STAFF),
    ("logout", "POST"): expect(anonymous=LOGIN, others=LOGIN),  # logged out, back to the login page
    ("api:openapi-json", "GET"): PUBLIC,
    ("api:openapi-view", "GET"): PUBLIC,
    ("api:api-root", "GET"): expect(anonymous=404, others=404),
    # org
    ("org:organisations", "GET"): expect(BUSINESS),
    ("org:organisation", "GET"): expect(BUSINESS),
    ("org:staff", "GET"): expect(STAFF),
    ("org:stationings", "GET"): expect(("supervisor", "department_head")),
    ("org:notifications", "GET"): expect(STAFF),  # the caller's own inbox
    ("org:notifications", "POST"): expect(STAFF),
    # 三员分立: accounts are the system administrator's, roles the security administrator's, the log the auditor's
    ("org:accounts", "GET"): expect(("sysadmin",)),
    ("org:account_create", "GET"): expect(("sysadmin",)),
    ("org:account_action", "POST"): expect(("sysadmin",)),
    ("org:roles", "GET"): expect(("secadmin",)),
    ("org:role_change", "POST"): expect(secadmin=404),  # past the role gate; an empty form names no operation
    ("org:audit", "GET"): expect(("auditor",)),
    # catalogue
    ("catalogue:list", "GET"): expect(BUSINESS),
    ("catalogue:changes", "GET"): expect(("supervisor", "department_head", "assessment_office")),
    ("catalogue:import", "GET"): expect(("supervisor",)),
    ("catalogue:import_job", "GET"): expect(("supervisor",)),
    ("catalogue:export", "GET"): expect(("supervisor",)),
    ("catalogue:detail", "GET"): expect(BUSINESS),
    ("catalogue:guide_draft", "POST"): expect(BUSINESS),
    ("catalogue:guide_edit", "GET"): expect(BUSINESS),
    ("catalogue:public_index", "GET"): PUBLIC,
    ("catalogue:public_guide", "GET"): PUBLIC,
    # handover: a draft is its two parties' and the supervisor's (the clerks are bureau staff)
    ("handover:agreements", "GET"): expect(BUSINESS),
    ("handover:agreement_new", "GET"): expect(("supervisor",)),
    ("handover:agreement_subitems", "GET"): expect(("supervisor",)),
    ("handover:dashboard", "GET"): expect(("supervisor",)),
    ("handover:agreement", "GET"): expect(
        ("window_clerk", "issuing_clerk", "supervisor"), scoped=DEPARTMENT, hidden=("assessment_office",)
    ),
    ("handover:agreement_edit", "GET"): expect(("supervisor",)),
    ("handover:agreement_supersede", "GET"): expect(("supervisor",)),
    # signing: a non-signatory business role is refused (403), not hidden (CONTRACT.md)
    ("handover:agreement_sign", "POST"): expect(("supervisor",), department_head=(OK, 403)),
    ("handover:agreement_withdraw", "POST"): expect(("supervisor",)),
    ("handover:agreement_pdf", "GET"): expect(
        ("window_clerk", "issuing_clerk", "supervisor"), scoped=DEPARTMENT, hidden=("assessment_office",)
    ),
    ("handover:seals", "GET"): expect(BUSINESS),
    ("handover:seal_void", "POST"): expect(("supervisor",)),
    # cases
    ("cases:accept", "GET"): expect(("window_clerk",)),
    ("cases:subitem_search", "GET"): expect(("window_clerk",)),
    ("cases:list", "GET"): expect(CASE_ROLES),
    ("cases:export", "GET"): expect(("supervisor",)),
    # the register (台账) of each role's own list, in its own scope
    ("cases:register_pdf", "GET"): expect(CASE_ROLES),
    ("cases:register_xlsx", "GET"): expect(CASE_ROLES),
    ("cases:case", "GET"): expect(HALL, scoped=DEPARTMENT),
    # `claim` is the approver's (the case's department); the other acting roles are refused by the service
    ("cases:action", "POST"): expect(
        scoped=("approver",), window_clerk=403, issuing_clerk=403, department_head=(403, 404)
    ),
    ("cases:document", "GET"): expect(HALL, scoped=DEPARTMENT),
    ("cases:document_n", "GET"): expect(HALL, scoped=DEPARTMENT),
    ("cases:issuance", "GET"): expect(("issuing_clerk",)),
    # scans: attached at the window; read by whoever sees the case (no file 999999: 404 past the gates)
    ("cases:file_upload", "POST"): expect(("window_clerk",), approver=(403, 404), department_head=(403, 404)),
    ("cases:file", "GET"): expect(hidden=CASE_ROLES),
    ("cases:public_progress", "GET"): PUBLIC,
    ("cases:public_verify", "GET"): PUBLIC,
    ("cases:public_result", "GET"): PUBLIC,
    # 好差评: the applicant's form (an empty one names no case: 404), the lists, the rectification desk
    ("ratings:public_rate", "POST"): expect(hidden=tuple(ROLES)),
    ("ratings:list", "GET"): expect(("supervisor",) + DEPARTMENT + ("window_clerk", "issuing_clerk")),
    ("ratings:counter", "GET"): expect(("window_clerk", "issuing_clerk")),
    ("ratings:rectifications", "GET"): expect(("supervisor",) + DEPARTMENT),
    ("ratings:rectification", "GET"): expect(("supervisor",), scoped=DEPARTMENT),
    ("ratings:rectification_action", "POST"): expect(scoped=DEPARTMENT, supervisor=403),
    # statistics: the Data Bureau's and each department head's own; the lobby screen is public (aggregates)
    ("stats:cases", "GET"): expect(("supervisor", "department_head")),
    ("stats:export", "GET"): expect(("supervisor", "department_head")),
    ("stats:lobby", "GET"): PUBLIC,
    # supervision: reminders (催办) — the supervisor sends, the reminded department acknowledges
    ("supervision:case_remind", "POST"): expect(("supervisor",)),
    ("supervision:reminders", "GET"): expect(("supervisor", "approver", "department_head")),
    ("supervision:acknowledge", "POST"): expect(scoped=DEPARTMENT),
    ("supervision:order_issue", "POST"): expect(("supervisor",)),  # the case page's 督办 form
    ("supervision:board", "GET"): expect(("supervisor",)),
    ("supervision:board_remind", "POST"): expect(("supervisor",)),
    ("supervision:orders", "GET"): expect(("supervisor", "approver", "department_head")),
    ("supervision:order", "GET"): expect(("supervisor",), scoped=DEPARTMENT),
    ("supervision:order_pdf", "GET"): expect(("supervisor",), scoped=DEPARTMENT),
    ("supervision:order_explain", "POST"): expect(scoped=DEPARTMENT),
    ("supervision:order_review", "POST"): expect(("supervisor",)),
    # the assessment: results in scope (a filed department result of each department), runs, schemes
    ("assessment:list", "GET"): expect(BUSINESS),
    ("assessment:run", "POST"): expect(("supervisor",)),
    ("assessment:ranking", "GET"): expect(hidden=BUSINESS),  # no period asked: nothing to rank
    ("assessment:year", "GET"): expect(BUSINESS),  # each sees the monthly scores in their own scope
    ("assessment:schemes", "GET"): expect(("supervisor", "assessment_office")),
    ("assessment:scheme_edit", "GET"): expect(("supervisor",)),
    ("assessment:person", "GET"): expect(
        ("supervisor", "assessment_office"), scoped=DEPARTMENT, hidden=("window_clerk", "issuing_clerk")
    ),
    ("assessment:result", "GET"): expect(
        ("supervisor", "assessment_office"), scoped=("department_head",), hidden=NOT_ASSESSED_HERE
    ),
    ("assessment:sheet", "GET"): expect(
        ("supervisor", "assessment_office"), scoped=("department_head",), hidden=NOT_ASSESSED_HERE
    ),
    ("assessment:score", "POST"): expect(
        ("supervisor",), hidden=NOT_ASSESSED_HERE, department_head=(403, 404), assessment_office=403
    ),
    ("assessment:step", "POST"): expect(
        ("assessment_office",), hidden=NOT_ASSESSED_HERE, department_head=(403, 404), supervisor=403
    ),
    # staffing: a department's own (approvers read, the head manages), the supervisor's all
    ("staffing:overview", "GET"): expect(("supervisor",) + DEPARTMENT),
    ("staffing:stationings", "GET"): expect(("supervisor",) + DEPARTMENT),
    ("staffing:stationing_start", "POST"): expect(("supervisor", "department_head")),
    ("staffing:stationing_end", "POST"): expect(("supervisor",), department_head=(OK, 404)),
    ("staffing:changes", "GET"): expect(("supervisor",) + DEPARTMENT),
    ("staffing:schedule", "GET"): expect(("supervisor",) + DEPARTMENT),
    ("staffing:schedule_set", "POST"): expect(("supervisor", "department_head")),
    ("staffing:rotation", "POST"): expect(("supervisor", "department_head")),
    ("staffing:qualifications", "GET"): expect(("supervisor",) + DEPARTMENT),
    ("staffing:qualification_add", "POST"): expect(("supervisor", "department_head")),
    ("staffing:training", "GET"): expect(("supervisor",) + DEPARTMENT),
    ("staffing:training_add", "POST"): expect(("supervisor", "department_head")),
    ("staffing:evaluations", "GET"): expect(("supervisor",)),
    ("staffing:evaluations", "POST"): expect(("supervisor",)),
    ("staffing:evaluation_person", "GET"): expect(
        ("supervisor", "assessment_office"), department_head=(OK, 404)
    ),
    # the working-day calendar
    ("workdays:calendar", "GET"): expect(("supervisor",)),
    ("workdays:calendar_provisional", "POST"): expect(("supervisor",)),
    ("workdays:calendar_upload", "POST"): expect(("supervisor",)),
    ("workdays:calendar_year", "GET"): expect(("supervisor",)),
    # applicants' text messages: the supervisor's outbox (no message 999999: 404 past the role gate)
    ("messaging:outbox", "GET"): expect(("supervisor",)),
    ("messaging:outbox_csv", "GET"): expect(("supervisor",)),
    ("messaging:retry", "POST"): expect(supervisor=404),
    # the Django admin site is the system administrator's alone (every one of its routes)
    ("admin:*", "GET"): ADMIN_SITE,
    ("admin:login", "GET"): expect(STAFF),  # the one login page serves the admin site too
    ("admin:logout", "GET"): expect(tuple(ROLES), anonymous=OK, sysadmin=405),
    ("admin:view_on_site", "GET"): expect(anonymous=ADMIN_LOGIN, others=ADMIN_LOGIN, sysadmin=404),
}

# -- the API operations: (path template of /api/v1/schema, method) → expected -------------------------
API_STAFF = expect(STAFF, anonymous=401)
ASSESSMENT_READ = expect(
    ("supervisor", "assessment_office"),
    scoped=("department_head",),
    hidden=NOT_ASSESSED_HERE + ADMINS,
    anonymous=401,
)
ASSESSMENT_SUPERVISOR = expect(  # the results are filed: the supervisor's steps are 409, a correction 201
    ("supervisor",),
    hidden=NOT_ASSESSED_HERE + ADMINS,
    anonymous=401,
    assessment_office=403,
    department_head=(403, 404),
)
ASSESSMENT_OFFICE = expect(
    ("assessment_office",),
    hidden=NOT_ASSESSED_HERE + ADMINS,
    anonymous=401,
    supervisor=403,
    department_head=(403, 404),
)
ASSESSMENT_STEPS = ("review", "confirm", "reopen", "file", "acknowledge", "return", "record")
NOT_RECTIFYING = ("window_clerk", "issuing_clerk", "assessment_office") + ADMINS  # rectifications: 404

# Supervision orders are the supervisor's and the ordered department's; nobody else sees one.
ORDER_HIDDEN = ("window_clerk", "issuing_clerk", "assessment_office") + ADMINS
OPERATIONS = {
    # public; the sample body's wrong password is 401 whoever sends it
    ("/api/v1/auth/token", "POST"): expect(anonymous=401, others=401),
    ("/api/v1/auth/token", "DELETE"): API_STAFF,  # revokes the caller's own token
    ("/api/v1/audit", "GET"): expect(("auditor",), anonymous=401),
    ("/api/v1/departments", "GET"): API_STAFF,
    ("/api/v1/staff", "GET"): API_STAFF,
    # the inbox: each caller's own; someone else's notification (or none) is 404
    ("/api/v1/notifications", "GET"): API_STAFF,
    ("/api/v1/notifications/read", "POST"): API_STAFF,
    ("/api/v1/notifications/{notification_id}/read", "POST"): expect(hidden=STAFF, anonymous=401),
    ("/api/v1/calendar/add-workdays", "GET"): API_STAFF,
    ("/api/v1/subitems", "GET"): API_STAFF,
    ("/api/v1/subitems/{code}", "GET"): API_STAFF,
    ("/api/v1/handovers", "GET"): API_STAFF,
    ("/api/v1/handovers", "POST"): expect(("supervisor",), anonymous=401),
    ("/api/v1/handovers/{agreement_id}", "GET"): expect(
        ("window_clerk", "issuing_clerk", "supervisor"),
        scoped=DEPARTMENT,
        hidden=("assessment_office",) + ADMINS,
        anonymous=401,
    ),
    ("/api/v1/handovers/{agreement_id}", "PUT"): expect(
        ("supervisor",),
        hidden=("assessment_office",) + ADMINS,
        anonymous=401,
        approver=(403, 404),
        department_head=(403, 404),
    ),
    ("/api/v1/handovers/{agreement_id}/sign", "POST"): expect(
        ("supervisor",), hidden=ADMINS, anonymous=401, department_head=(OK, 403)
    ),
    ("/api/v1/handovers/{agreement_id}/supersede", "POST"): expect(
        ("supervisor",),
        hidden=("assessment_office",) + ADMINS,
        anonymous=401,
        approver=(403, 404),
        department_head=(403, 404),
    ),
    ("/api/v1/handovers/{agreement_id}/withdraw", "POST"): expect(
        ("supervisor",),
        hidden=("assessment_office",) + ADMINS,
        anonymous=401,
        approver=(403, 404),
        department_head=(403, 404),
    ),
    ("/api/v1/handovers/{agreement_id}/impact", "GET"): expect(
        ("window_clerk", "issuing_clerk", "supervisor"),
        scoped=DEPARTMENT,
        hidden=("assessment_office",) + ADMINS,
        anonymous=401,
    ),
    ("/api/v1/handovers/{agreement_id}/pdf", "GET"): expect(
        ("window_clerk", "issuing_clerk", "supervisor"),
        scoped=DEPARTMENT,
        hidden=("assessment_office",) + ADMINS,
        anonymous=401,
    ),
    ("/api/v1/handover-progress", "GET"): expect(("supervisor",), anonymous=401),
    ("/api/v1/seals", "GET"): API_STAFF,
    ("/api/v1/seals/{seal_id}/void", "POST"): expect(("supervisor",), hidden=ADMINS, anonymous=401),
    ("/api/v1/cases", "POST"): expect(("window_clerk",), anonymous=401),
    ("/api/v1/cases", "GET"): API_STAFF,
    ("/api/v1/cases/{number}", "GET"): expect(
        HALL, scoped=DEPARTMENT, hidden=("assessment_office",) + ADMINS, anonymous=401
    ),
    ("/api/v1/cases/{number}/actions", "POST"): expect(
        scoped=("approver",),
        hidden=("assessment_office",) + ADMINS,
        anonymous=401,
        department_head=(403, 404),
    ),
    # the case is looked up in the caller's scope before the role is checked
    ("/api/v1/cases/{number}/reminders", "POST"): expect(
        ("supervisor",),
        hidden=("assessment_office",) + ADMINS,
        anonymous=401,
        approver=(403, 404),
        department_head=(403, 404),
    ),
    ("/api/v1/reminders", "GET"): API_STAFF,  # the caller's scope (empty for roles without one)
    ("/api/v1/reminders", "POST"): expect(("supervisor",), anonymous=401),
    ("/api/v1/reminders/{reminder_id}", "GET"): expect(
        ("supervisor",),
        scoped=DEPARTMENT,
        hidden=BUSINESS[:2] + ("assessment_office",) + ADMINS,
        anonymous=401,
    ),
    # 404 outside the department's scope before 403 for the supervisor (who sees it but does not answer)
    ("/api/v1/reminders/{reminder_id}/acknowledge", "POST"): expect(
        scoped=DEPARTMENT,
        hidden=("window_clerk", "issuing_clerk", "assessment_office") + ADMINS,
        anonymous=401,
    ),
    # 督办: the case is looked up in the caller's scope before the role is checked
    ("/api/v1/supervision-orders", "GET"): API_STAFF,
    ("/api/v1/supervision-orders", "POST"): expect(
        ("supervisor",), hidden=("assessment_office",) + ADMINS, anonymous=401
    ),
    ("/api/v1/supervision-orders/{order_id}", "GET"): expect(
        ("supervisor",), scoped=DEPARTMENT, hidden=ORDER_HIDDEN, anonymous=401
    ),
    ("/api/v1/supervision-orders/{order_id}/pdf", "GET"): expect(
        ("supervisor",), scoped=DEPARTMENT, hidden=ORDER_HIDDEN, anonymous=401
    ),
    ("/api/v1/supervision-orders/{order_id}/explain", "POST"): expect(
        scoped=DEPARTMENT, hidden=ORDER_HIDDEN, anonymous=401
    ),
    ("/api/v1/supervision-orders/{order_id}/close", "POST"): expect(
        ("supervisor",), hidden=ORDER_HIDDEN, anonymous=401, approver=(403, 404), department_head=(403, 404)
    ),
    ("/api/v1/supervision-orders/{order_id}/return", "POST"): expect(
        ("supervisor",), hidden=ORDER_HIDDEN, anonymous=401, approver=(403, 404), department_head=(403, 404)
    ),
    ("/api/v1/supervision/board", "GET"): expect(("supervisor",), anonymous=401),
    # a body without a file is refused (422) before the role check; the page row above checks the roles
    ("/api/v1/cases/{number}/materials/{code}/files", "POST"): expect(STAFF, anonymous=401),
    ("/api/v1/cases/{number}/files", "GET"): expect(
        HALL, scoped=DEPARTMENT, hidden=("assessment_office",) + ADMINS, anonymous=401
    ),
    ("/api/v1/files/{file_id}", "GET"): expect(hidden=STAFF, anonymous=401),
    ("/api/v1/public/cases/{number}", "GET"): expect(tuple(ROLES), anonymous=OK),
    ("/api/v1/public/cases/{number}", "POST"): expect(tuple(ROLES), anonymous=OK),  # the check in the body
    ("/api/v1/public/results/{code}", "GET"): expect(tuple(ROLES), anonymous=OK),
    # 好差评: anyone with the check rates (own case issued: 201; other not yet issued: 409)
    ("/api/v1/public/cases/{number}/rating", "POST"): expect(tuple(ROLES), anonymous=OK),
    ("/api/v1/cases/{number}/rating", "POST"): expect(
        ("window_clerk", "issuing_clerk"),
        hidden=("assessment_office",) + ADMINS,
        anonymous=401,
        supervisor=403,
        approver=(403, 404),
        department_head=(403, 404),
    ),
    ("/api/v1/ratings", "GET"): API_STAFF,
    ("/api/v1/rectifications", "GET"): API_STAFF,
    ("/api/v1/rectifications/{rectification_id}", "GET"): expect(
        ("supervisor",), scoped=DEPARTMENT, hidden=NOT_RECTIFYING, anonymous=401
    ),
    ("/api/v1/rectifications/{rectification_id}/reply", "POST"): expect(
        scoped=DEPARTMENT, supervisor=403, hidden=NOT_RECTIFYING, anonymous=401
    ),
    ("/api/v1/rectifications/{rectification_id}/follow-up", "POST"): expect(
        ("supervisor",),
        hidden=NOT_RECTIFYING,
        anonymous=401,
        approver=(403, 404),
        department_head=(403, 404),
    ),
    ("/api/v1/assessments", "GET"): API_STAFF,
    ("/api/v1/assessments/runs", "POST"): expect(("supervisor",), anonymous=401),
    ("/api/v1/assessments/ranking.xlsx", "GET"): API_STAFF,
    ("/api/v1/assessments/{result_id}", "GET"): ASSESSMENT_READ,
    ("/api/v1/assessments/{result_id}/sheet.pdf", "GET"): ASSESSMENT_READ,
    ("/api/v1/assessments/{result_id}/scores", "POST"): ASSESSMENT_SUPERVISOR,
    ("/api/v1/assessments/{result_id}/review", "POST"): ASSESSMENT_SUPERVISOR,
    ("/api/v1/assessments/{result_id}/confirm", "POST"): ASSESSMENT_SUPERVISOR,
    ("/api/v1/assessments/{result_id}/reopen", "POST"): ASSESSMENT_SUPERVISOR,
    ("/api/v1/assessments/{result_id}/file", "POST"): ASSESSMENT_SUPERVISOR,
    ("/api/v1/assessments/{result_id}/correct", "POST"): ASSESSMENT_SUPERVISOR,
    ("/api/v1/assessments/{result_id}/acknowledge", "POST"): ASSESSMENT_OFFICE,
    ("/api/v1/assessments/{result_id}/return", "POST"): ASSESSMENT_OFFICE,
    # the head of the unit records (a filed, not yet returned result: 409); the bureau only its own staff's
    ("/api/v1/assessments/{result_id}/record", "POST"): expect(
        hidden=NOT_ASSESSED_HERE + ADMINS,
        anonymous=401,
        supervisor=403,
        assessment_office=403,
        department_head=(OK, 404),
    ),
    ("/api/v1/assessment-schemes", "GET"): API_STAFF,
    ("/api/v1/assessment-schemes", "POST"): expect(("supervisor",), anonymous=401),
    ("/api/v1/rectifications/{rectification_id}/close", "POST"): expect(
        ("supervisor",),
        hidden=NOT_RECTIFYING,
        anonymous=401,
        approver=(403, 404),
        department_head=(403, 404),
    ),
    # statistics: the Data Bureau's, and each department head's own department (no object in the path)
    ("/api/v1/stats/cases", "GET"): expect(("supervisor", "department_head"), anonymous=401),
    # the applicants' text messages: the supervisor's outbox (phones masked)
    ("/api/v1/sms", "GET"): expect(("supervisor",), anonymous=401),
    ("/api/v1/public/lobby", "GET"): expect(tuple(ROLES), anonymous=OK),
    # staffing: postings are their department's (hall roles see the bureau's own), the supervisor's all
    ("/api/v1/stationings", "GET"): API_STAFF,
    ("/api/v1/stationings/{stationing_id}/end", "POST"): expect(
        ("supervisor",),
        hidden=("window_clerk", "issuing_clerk", "assessment_office") + ADMINS,
        anonymous=401,
        approver=(403, 404),
        department_head=(OK, 404),
    ),
    ("/api/v1/staffing/gaps", "GET"): expect(("supervisor",) + DEPARTMENT, anonymous=401),
    ("/api/v1/stationings", "POST"): expect(("supervisor", "department_head"), anonymous=401),
    ("/api/v1/staffing/changes", "GET"): expect(("supervisor",) + DEPARTMENT, anonymous=401),
    ("/api/v1/staffing/change-frequency", "GET"): expect(("supervisor",) + DEPARTMENT, anonymous=401),
    ("/api/v1/staffing/qualifications", "GET"): expect(("supervisor",) + DEPARTMENT, anonymous=401),
    ("/api/v1/staffing/qualifications", "POST"): expect(("supervisor", "department_head"), anonymous=401),
    ("/api/v1/staffing/schedules", "GET"): expect(("supervisor",) + DEPARTMENT, anonymous=401),
    ("/api/v1/staffing/schedules", "POST"): expect(("supervisor", "department_head"), anonymous=401),
    ("/api/v1/staffing/schedules/rotation", "POST"): expect(("supervisor", "department_head"), anonymous=401),
    ("/api/v1/staffing/trainings", "GET"): expect(("supervisor",) + DEPARTMENT, anonymous=401),
    ("/api/v1/staffing/trainings", "POST"): expect(("supervisor", "department_head"), anonymous=401),
    ("/api/v1/staffing/training-gaps", "GET"): expect(("supervisor",) + DEPARTMENT, anonymous=401),
    # daily evaluation: the supervisor logs; the 督考办 and department heads (their own staff) read
    ("/api/v1/staffing/evaluations", "GET"): expect(
        ("supervisor", "assessment_office", "department_head"), anonymous=401
    ),
    ("/api/v1/staffing/evaluations", "POST"): expect(("supervisor",), anonymous=401),
    ("/api/v1/staffing/evaluations/summary", "GET"): expect(
        ("supervisor", "assessment_office", "department_head"), anonymous=401
    ),
}


# -- the world ---------------------------------------------------------------------------------------


def _user(username):
    return get_user_model().objects.select_related("staff__organisation").get(username=username)


def _world() -> SimpleNamespace:
    """The cases world plus, for each of construction (own) and health (other): an issued case, a draft
    agreement, a seal; and a catalogue import job."""
    from onewindow.catalogue.models import ImportJob

    w = build_world()
    # A second sub-item still with the bureau, targeted at health, so each department has a draft.
    spare = SubItem.objects.create(
        region=w.region,
        item=w.permit.item,
        code="XK09901004",
        name="卫生许可（变更）",
        kind="promised",
        statutory_days=20,
        promised_days=10,
        target_department=w.health,
    )
    Assignment.objects.create(
        region=w.region, subitem=spare, organisation=w.bureau, valid_from=at(2024, 1, 1)
    )
    own_case = drive("issued")
    other_case = drive("accepted", subitem="XK09901003")
    supervisor = _user("supervisor1")
    drafts = [
        handover_services.draft_agreement(
            actor=supervisor,
            department=department,
            subitems=[code],
            effective_at=at(2024, 10, 8),
            rights_duties="乙方依法实施。",
            liaison="周例会。",
        )
        for department, code in (("construction", "XK09901002"), ("health", "XK09901004"))
    ]
    seals = [Seal.objects.filter(organisation=o).first() for o in (w.construction, w.health)]
    job = ImportJob.objects.create(
        created_by=supervisor, created_at=ACCEPTED_AT, filename="x.xlsx", stored_path=""
    )
    result = own_case.result
    from onewindow.supervision import services as supervision_services

    reminders = tuple(
        supervision_services.remind(actor=supervisor, case=case.number, message="请加快办理").pk
        for case in (drive("in_review"), other_case)
    )
    orders = tuple(_order(case).pk for case in (drive("in_review"), drive("accepted", subitem="XK09901003")))
    return SimpleNamespace(
        orders=orders,
        cases=(own_case, other_case),
        drafts=drafts,
        seals=seals,
        job=job,
        code=result.verification_code,
        rectifications=_rectifications(own_case, other_case, w),
        reminders=reminders,
        assessments=_assessments(supervisor),
    )


def _assessments(supervisor) -> tuple[int, int]:
    """September 2024's department results of construction (own) and health (other), filed."""
    from onewindow.assessment import services as assessment_services
    from onewindow.assessment.models import Result

    assessment_services.run(actor=supervisor, period="2024-09", kinds=["department"])
    filed = []
    for code in ("construction", "health"):
        result = Result.objects.get(subject_department__code=code, period="2024-09")
        assessment_services.enter_score(actor=supervisor, result=result.pk, indicator="cooperation", points=8)
        for step in ("review", "confirm", "file"):
            assessment_services.act(actor=supervisor, result=result.pk, action=step)
        filed.append(result.pk)
    return filed[0], filed[1]


def _rectifications(own_case, other_case, w) -> tuple[int, int]:
    """A 差评 of each department: the own one rated through the service, the other's made directly."""
    from onewindow.ratings import services as rating_services
    from onewindow.ratings.models import Rating, Rectification

    own = rating_services.rate_online(number=own_case.number, check=PERSON["phone"][-4:], level=1)
    other = Rating.objects.create(
        region=w.region,
        case=other_case,
        level=2,
        grade="bad",
        channel="online",
        rated_at=ACCEPTED_AT,
        department=w.health,
        subitem=other_case.subitem,
    )
    other_item = Rectification.objects.create(
        region=w.region,
        rating=other,
        department=w.health,
        opened_at=ACCEPTED_AT,
        deadline=dt.date(2024, 10, 25),
    )
    return own.rectification.pk, other_item.pk


def _order(case):
    """A supervision order on `case` as the service would write it (the matrix's clock is before any
    case is overdue, so it is stored directly)."""
    from onewindow.cases.selectors import department_of
    from onewindow.supervision.models import OrderStatus, SupervisionOrder

    return SupervisionOrder.objects.create(
        region=case.region,
        year=2024,
        serial=case.pk,
        number=f"督办〔2024〕{case.pk}号",
        case=case,
        department=department_of(case),
        reason="超期",
        status=OrderStatus.ISSUED,
        issued_by=_user("supervisor1"),
        issued_at=ACCEPTED_AT,
        explanation_due=dt.date(2024, 10, 8),
    )


def _both(**values):
    """kwargs for own and other from {name: (own, other) or value}."""
    own = {k: v[0] if isinstance(v, tuple) else v for k, v in values.items()}
    other = {k: v[1] if isinstance(v, tuple) else v for k, v in values.items()}
    return own, other


def page_args(key: str, w) -> tuple[dict, dict]:
    """The URL kwargs of a route for the own and the other scope."""
    numbers = tuple(c.number for c in w.cases)
    drafts = tuple(d.pk for d in w.drafts)
    stationing_pks = tuple(
        Stationing.objects.get(staff__user__username=f"{d}-approver").pk for d in ("construction", "health")
    )
    return {
        "org:organisation": _both(code=("construction", "health")),
        "org:account_action": _both(username=("construction-approver", "health-approver")),
        "org:role_change": _both(username=("construction-approver", "health-approver")),
        "catalogue:import_job": _both(pk=w.job.pk),
        "catalogue:export": _both(fmt="xlsx"),
        "catalogue:detail": _both(code=("XK09901001", "XK09901003")),
        "catalogue:guide_draft": _both(code=("XK09901001", "XK09901003")),
        "catalogue:guide_edit": _both(code=("XK09901001", "XK09901003"), version=1),
        "catalogue:public_guide": _both(code=("XK09901001", "XK09901003")),
        "handover:agreement": _both(pk=drafts),
        "handover:agreement_edit": _both(pk=drafts),
        "handover:agreement_supersede": _both(pk=drafts),
        "handover:agreement_sign": _both(pk=drafts),
        "handover:agreement_withdraw": _both(pk=drafts),
        "handover:agreement_pdf": _both(pk=drafts),
        "handover:seal_void": _both(pk=tuple(s.pk for s in w.seals)),
        "cases:case": _both(number=numbers),
        "cases:action": _both(number=numbers, action="claim"),
        "supervision:case_remind": _both(number=numbers),
        "supervision:acknowledge": _both(pk=w.reminders),
        "supervision:order_issue": _both(number=numbers),
        "supervision:board_remind": _both(code=("construction", "health")),
        "supervision:order": _both(pk=w.orders),
        "supervision:order_pdf": _both(pk=w.orders),
        "supervision:order_explain": _both(pk=w.orders),
        "supervision:order_review": _both(pk=w.orders),
        "cases:document": _both(number=numbers, kind="receipt"),
        "cases:document_n": _both(number=numbers, kind="receipt", index=1),
        "cases:public_result": _both(code=w.code),
        "cases:file_upload": _both(number=numbers, material="M01"),
        "cases:file": _both(number=numbers, file_id=999999),
        "workdays:calendar_year": _both(year=2024),
        "ratings:rectification": _both(pk=w.rectifications),
        "assessment:scheme_edit": _both(kind="department"),
        "assessment:person": _both(username=("construction-approver", "health-approver")),
        "assessment:result": _both(pk=w.assessments),
        "assessment:sheet": _both(pk=w.assessments),
        "assessment:score": _both(pk=w.assessments),
        "assessment:step": _both(pk=w.assessments, action="acknowledge"),
        "ratings:rectification_action": _both(pk=w.rectifications, action="reply"),
        "messaging:retry": _both(pk=999999),
        "staffing:stationing_end": _both(pk=stationing_pks),
        "staffing:evaluation_person": _both(username=("construction-approver", "health-approver")),
    }.get(key, ({}, {}))


def operation_request(path: str, method: str, w) -> tuple[tuple[str, dict], tuple[str, dict]]:
    """(url, body) for the own and the other scope."""
    own_case, other_case = w.cases
    effective = "2024-10-08T00:00:00+08:00"
    bodies = {
        ("/api/v1/auth/token", "POST"): {"username": "nobody", "password": "wrong-password-1"},
        ("/api/v1/handovers", "POST"): {
            "receiving_department": "construction",
            "subitems": ["XK09901002"],
            "effective_at": effective,
        },
        ("/api/v1/handovers/{agreement_id}", "PUT"): {"subitems": ["XK09901002"], "effective_at": effective},
        ("/api/v1/handovers/{agreement_id}/supersede", "POST"): {"subitems": [], "effective_at": effective},
        ("/api/v1/handovers/{agreement_id}/withdraw", "POST"): {"reason": "重新起草"},
        ("/api/v1/seals/{seal_id}/void", "POST"): {"reason": "作废"},
        ("/api/v1/cases", "POST"): {"subitem": "XK09901001", "applicant": PERSON, "materials": ["M01"]},
        ("/api/v1/cases/{number}/actions", "POST"): {"action": "claim", "version": 1},
        ("/api/v1/cases/{number}/reminders", "POST"): {"message": "请加快办理"},
        ("/api/v1/public/cases/{number}", "POST"): {"check": PERSON["phone"][-4:]},
        ("/api/v1/public/cases/{number}/rating", "POST"): {"check": PERSON["phone"][-4:], "level": 5},
        ("/api/v1/cases/{number}/rating", "POST"): {"level": 5},
        ("/api/v1/rectifications/{rectification_id}/reply", "POST"): {
            "reply": "已致歉",
            "measures": "已整改",
        },
        ("/api/v1/rectifications/{rectification_id}/follow-up", "POST"): {
            "result": "满意",
            "satisfied": True,
        },
        ("/api/v1/rectifications/{rectification_id}/close", "POST"): {"note": ""},
        ("/api/v1/reminders", "POST"): {"department": "construction", "message": "请加快办理"},
        ("/api/v1/reminders/{reminder_id}/acknowledge", "POST"): {"reply": "今日内办结"},
        ("/api/v1/supervision-orders", "POST"): {"case": own_case.number, "reason": "超期"},
        ("/api/v1/supervision-orders/{order_id}/explain", "POST"): {"explanation": "已办结"},
        ("/api/v1/supervision-orders/{order_id}/close", "POST"): {"note": ""},
        ("/api/v1/supervision-orders/{order_id}/return", "POST"): {"note": "请补充"},
        ("/api/v1/assessments/runs", "POST"): {"period": "2024-10"},
        **{(f"/api/v1/assessments/{{result_id}}/{step}", "POST"): {} for step in ASSESSMENT_STEPS},
        ("/api/v1/assessments/{result_id}/scores", "POST"): {"indicator": "cooperation", "points": 5},
        ("/api/v1/assessments/{result_id}/correct", "POST"): {"reason": "统计口径有误"},
        ("/api/v1/assessment-schemes", "POST"): {
            "subject_kind": "department",
            "effective_from": "2024-10-01",
            "monthly_share": "0.8",
            "indicators": [{"code": "coop", "name": "配合度", "kind": "entered", "weight": 100}],
        },
        ("/api/v1/stationings/{stationing_id}/end", "POST"): {"on": "2024-09-30", "reason": "调整"},
        ("/api/v1/stationings", "POST"): {
            "staff": "construction-approver",
            "valid_from": "2024-09-30",
            "reason": "调整",
        },
        ("/api/v1/staffing/qualifications", "POST"): {
            "staff": "construction-approver",
            "kind": "other",
            "number": "T-1",
            "issuing_body": "鞍山市人社局",
            "valid_from": "2024-01-01",
            "valid_to": "2025-12-31",
            "subitems": ["XK09901001"],
        },
        ("/api/v1/staffing/schedules", "POST"): {
            "staff": "construction-approver",
            "date": "2024-09-30",
            "kind": "leave",
        },
        ("/api/v1/staffing/schedules/rotation", "POST"): {
            "department": "construction",
            "staff": ["construction-approver"],
            "from": "2024-09-30",
            "to": "2024-10-08",
        },
        ("/api/v1/staffing/trainings", "POST"): {
            "department": "construction",
            "date": "2024-09-26",
            "trainer": "住建局审批员",
            "subitems": ["XK09901001"],
            "attendees": ["clerk1"],
        },
        ("/api/v1/staffing/evaluations", "POST"): {"date": "2024-09-27", "entries": [{"staff": "clerk1"}]},
    }
    params = {
        "agreement_id": tuple(str(d.pk) for d in w.drafts),
        "seal_id": tuple(str(s.pk) for s in w.seals),
        "number": (own_case.number, other_case.number),
        "code": ("XK09901001", "XK09901003")
        if path.startswith("/api/v1/subitems")
        else ("M01", "M01")
        if "/materials/" in path
        else (w.code, w.code),
        "file_id": ("999999", "999999"),
        "notification_id": ("999999", "999999"),
        "rectification_id": tuple(str(pk) for pk in w.rectifications),
        "reminder_id": tuple(str(pk) for pk in w.reminders),
        "order_id": tuple(str(pk) for pk in w.orders),
        "result_id": tuple(str(pk) for pk in w.assessments),
        "stationing_id": tuple(
            str(Stationing.objects.get(staff__user__username=f"{d}-approver").pk)
            for d in ("construction", "health")
        ),
    }
    query = {
        "/api/v1/public/cases/{number}": ("?check=" + PERSON["phone"][-4:],) * 2,
        "/api/v1/calendar/add-workdays": ("?start=2024-09-27&days=3",) * 2,
        "/api/v1/assessments/ranking.xlsx": ("?period=2024-09&subject_kind=department",) * 2,
        "/api/v1/staffing/evaluations/summary": ("?month=2024-09",) * 2,
    }.get(path, ("", ""))
    urls = []
    for scope in (0, 1):
        url = path
        for name, values in params.items():
            url = url.replace("{" + name + "}", values[scope])
        urls.append((url + query[scope], bodies.get((path, method))))
    return urls[0], urls[1]


# -- the walk ----------------------------------------------------------------------------------------


def walk_routes(resolver=None, prefix="", namespace=None):
    """(key, path) of every URL pattern but the API operations (the schema walk covers those)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            ns = ":".join(p for p in (namespace, pattern.namespace) if p) if pattern.namespace else namespace
            yield from walk_routes(pattern, prefix + str(pattern.pattern), ns)
            continue
        assert isinstance(pattern, URLPattern)
        if getattr(pattern.callback, "__module__", "") == "ninja.operation":
            continue
        name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
        yield name or prefix + str(pattern.pattern), prefix + str(pattern.pattern)


OWN_ENTRIES = ("admin:login", "admin:logout", "admin:view_on_site")


def page_key(name: str) -> str:
    if name.startswith("admin/") or name.startswith("admin:") and name not in OWN_ENTRIES:
        return "admin:*"
    return name


def outcome(response) -> object:
    status = response.status_code
    if status in (301, 302, 303):
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return LOGIN
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        return OK
    if status < 300 or status in (400, 409, 422):
        return OK
    return status


def _request(client: Client, method: str, url: str, body=None, headers=None):
    """One request whose writes are rolled back (a savepoint), so every cell sees the same world; the
    cookies too (a logout must not log the next cell out)."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, headers=headers or {})
        elif body is not None:
            response = getattr(client, method.lower())(
                url, body, content_type="application/json", headers=headers or {}
            )
        else:
            response = getattr(client, method.lower())(url, headers=headers or {})
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


@pytest.fixture
def matrix_world(sample_org, frozen_clock, settings):
    from django.core.cache import cache

    from onewindow.workdays import arithmetic

    settings.ONEWINDOW_TOKEN_TTL_SECONDS = 10 * 365 * 86400
    settings.ONEWINDOW_PUBLIC_RATE_LIMIT = 1_000_000  # one address asks for every cell
    arithmetic.invalidate()
    cache.clear()
    frozen_clock(ACCEPTED_AT + dt.timedelta(hours=1))
    return _world()


def test_every_route_and_operation_has_an_entry():
    """A new URL or API operation without an entry in the table fails here (and nothing is left over)."""
    from onewindow.api import api

    routes = {(page_key(name), method) for name, _ in walk_routes() for method in ("GET", "POST")}
    missing_pages = {name for name, _ in walk_routes()} - {
        name for name, _ in walk_routes() if any((page_key(name), m) in PAGES for m in ("GET", "POST"))
    }
    assert not missing_pages, f"URL patterns without an entry in PAGES: {sorted(missing_pages)}"
    assert {key for key in PAGES} <= routes, "PAGES entries without a URL pattern"
    schema = api.get_openapi_schema()
    operations = {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}
    assert operations - set(OPERATIONS) == set(), "API operations without an entry in OPERATIONS"
    assert set(OPERATIONS) - operations == set(), "OPERATIONS entries without an operation"


def test_pages(matrix_world):
    wrong = []
    for role in ROLES:
        wrong.extend(_pages_of(role, matrix_world))
    assert not wrong, "\n".join(wrong)


def _pages_of(role, matrix_world) -> list[str]:
    client = Client()
    if ROLES[role]:
        sign_in(client, ROLES[role])
    wrong = []
    for name, path in walk_routes():
        key = page_key(name)
        for method in ("GET", "POST"):
            if (key, method) not in PAGES:
                continue
            own, other = PAGES[(key, method)][role]
            if key == "admin:*":
                url = "/" + path.replace("<path:object_id>", "0").replace("<id>", "0")
                url = url.replace("^(?P<app_label>core|org|auth)/$", "org/").replace(
                    "(?P<url>.*)$", "nowhere/"
                )
                cells = [(url, own)]
            else:
                own_kwargs, other_kwargs = page_args(name, matrix_world)
                from django.urls import reverse

                if name == "admin:view_on_site":
                    cells = [("/admin/r/0/0/", own)]
                else:
                    cells = [(reverse(name, kwargs=own_kwargs), own)]
                    if own_kwargs != other_kwargs:
                        cells.append((reverse(name, kwargs=other_kwargs), other))
            for url, expected in cells:
                got = outcome(_request(client, method, url))
                ok = got not in (LOGIN, ADMIN_LOGIN, 500) if expected == ADMIN_IN else got == expected
                if not ok:
                    wrong.append(f"{role}: {method} {url} ({key}): expected {expected}, got {got}")
    return wrong


def test_api_operations(matrix_world):
    wrong = []
    for role in ROLES:
        wrong.extend(_operations_of(role, matrix_world))
    assert not wrong, "\n".join(wrong)


def _operations_of(role, matrix_world) -> list[str]:
    api = ApiClient(ROLES[role])
    wrong = []
    for (path, method), expected in OPERATIONS.items():
        own, other = operation_request(path, method, matrix_world)
        cells = [(own, expected[role][0])]
        if own != other:
            cells.append((other, expected[role][1]))
        for (url, body), want in cells:
            got = outcome(_request(api.client, method, url, body, api.headers))
            if got != want:
                wrong.append(f"{role}: {method} {url}: expected {want}, got {got}")
    return wrong
