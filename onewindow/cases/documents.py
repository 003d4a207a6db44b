"""Printable documents of a case, rendered on demand from the stored case and result (never inside an action).

受理回执 (receipt), 一次性告知通知书 (one-time supplement notice), 不予受理通知书 (rejection notice),
特别程序告知书 (the written notice of a special procedure's expected time, 行政许可法 art. 45), the decision
or certificate of the result (准予/不予行政许可决定书 or the certificate, with the applied seal, its number,
a verification code and QR), and the issuing window's hand-over slip (出件交接单).

Window documents (receipt and notices) bear the seal of the organisation that implemented the sub-item at
that moment (行政许可法 art. 32: 加盖本行政机关专用印章), chosen by the seal rule; if none is valid the
document says so instead of showing a guessed seal.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from onewindow.cases import codes
from onewindow.cases.models import Case, CaseStatus, Decision, IssueMethod, RecipientKind, Result
from onewindow.cases.selectors import department_of
from onewindow.catalogue.models import SpecialProcedure
from onewindow.catalogue.results import ResultKind
from onewindow.catalogue.selectors import implementer
from onewindow.core import clock
from onewindow.core.errors import RuleViolation
from onewindow.core.pdf import render_pdf
from onewindow.core.qr import qr_data_uri
from onewindow.core.validators import mask_id_number
from onewindow.handover.documents import seal_data_uri
from onewindow.handover.seals import seal_for_notice
from onewindow.org.models import Hall, OrganisationKind

RECEIPT = "receipt"
SUPPLEMENT_NOTICE = "supplement-notice"
REJECTION_NOTICE = "rejection-notice"
SUSPENSION_NOTICE = "suspension-notice"
RESULT = "result"
ISSUE_SLIP = "issue-slip"
COMMITMENT = "commitment"

# Prefix of the document numbers the hall gives its notices (illustrative, like the sample data).
NUMBER_PREFIX = "鞍高政服"
APPROVAL_BUREAU = "行政审批局"


def cn_date(value) -> str:
    """2026年11月27日 (a time is first taken to the hall's local date)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = clock.local_date(value)
    return f"{value.year}年{value.month}月{value.day}日"


def _result(case: Case) -> Result | None:
    try:
        return case.result
    except Result.DoesNotExist:
        return None


def available(case: Case) -> list[dict]:
    """The documents this case has now: [{kind, index, label}] in the order a person would print them."""
    docs = []
    if case.status == CaseStatus.SUPPLEMENT_REQUESTED:
        docs.append({"kind": SUPPLEMENT_NOTICE, "label": _("One-time supplement notice")})
    if case.status == CaseStatus.REJECTED:
        docs.append({"kind": REJECTION_NOTICE, "label": _("Rejection notice")})
    if case.accepted_at is not None:
        docs.append({"kind": RECEIPT, "label": _("Acceptance receipt")})
    if case.accepted_at is not None and case.commitment:
        docs.append({"kind": COMMITMENT, "label": _("Commitment letter")})
    for n, suspension in enumerate(case.suspensions.all(), start=1):
        docs.append(
            {
                "kind": SUSPENSION_NOTICE,
                "index": n,
                "label": _("Notice of special procedure (%(procedure)s)")
                % {"procedure": suspension.get_procedure_display()},
            }
        )
    result = _result(case)
    if result is not None:
        title = result.content.get("title") or _("Decision")
        docs.append({"kind": RESULT, "label": title})
    if case.status == CaseStatus.ISSUED:
        docs.append({"kind": ISSUE_SLIP, "label": _("Hand-over slip")})
    return docs


def _seal_of(organisation, at):
    """The seal `organisation` applies at `at` by the seal rule, as (seal, image data URI); (None, "") when
    there is no issuer (a gap in the assignments) or it has no valid seal: the notice then says so."""
    if organisation is None:
        return None, ""
    seal = seal_for_notice(authority=organisation, at=at)
    return (seal, seal_data_uri(seal)) if seal is not None else (None, "")


def _implementer_at(case: Case, at):
    try:
        return implementer(case.subitem_id, at)
    except RuleViolation:
        return None


def _hall(case: Case):
    if case.window_id:
        return case.window.hall
    return Hall.objects.filter(region=case.region).order_by("pk").first()


def _doc_number(kind_char: str, case: Case, suffix: str = "") -> str:
    """鞍高政服补字〔2026〕112700001号: the year, then the case number's date and serial."""
    day = clock.local_date(case.received_at)
    return f"{NUMBER_PREFIX}{kind_char}字〔{day.year}〕{case.number[-9:]}{suffix}号"


def _base(case: Case, base_url: str) -> dict:
    materials = list(case.guide.materials.all())
    progress_url = f"{base_url.rstrip('/')}/public/progress/?number={case.number}"
    return {
        "case": case,
        "hall": _hall(case),
        "applicant_id": mask_id_number(case.applicant_id_number),
        "applicant_kind": case.get_applicant_kind_display(),
        "received": [m for m in materials if m.code in case.materials],
        "missing": [m for m in materials if m.code in case.missing_materials],
        "deferred": [m for m in materials if m.code in case.deferred_materials],
        "progress_url": progress_url,
        "progress_qr": qr_data_uri(progress_url),
        "received_on": cn_date(case.received_at),
        "today": cn_date(clock.today()),
        "clerk": getattr(getattr(case.created_by, "staff", None), "full_name", "")
        or case.created_by.username,
    }


def _receipt(case: Case, context: dict) -> dict | None:
    if case.accepted_at is None:
        return None
    seal, seal_uri = _seal_of(case.authority, case.accepted_at)
    accepted_by = (
        getattr(getattr(case.accepted_by, "staff", None), "full_name", "") if case.accepted_by_id else ""
    )
    return {
        **context,
        "title": _("Acceptance Receipt"),
        "doc_number": _doc_number("受", case),
        "issuer": case.authority,
        "department": department_of(case),
        "seal": seal,
        "seal_uri": seal_uri,
        "date": cn_date(case.accepted_at),
        "accepted_on": cn_date(case.accepted_at),
        "due_on": cn_date(case.due_date),
        "top_up_on": cn_date(case.top_up_deadline),
        "accepted_by": accepted_by or context["clerk"],
        "promised_days": case.guide.promised_days,
    }


def _supplement_notice(case: Case, context: dict) -> dict | None:
    if case.status != CaseStatus.SUPPLEMENT_REQUESTED:
        return None
    at = case.updated_at
    issuer = _implementer_at(case, at)
    seal, seal_uri = _seal_of(issuer, at)
    return {
        **context,
        "title": _("One-time Supplement Notice"),
        "doc_number": _doc_number("补", case, f"-{case.version}"),
        "issuer": issuer,
        "seal": seal,
        "seal_uri": seal_uri,
        "date": cn_date(at),
    }


def _rejection_notice(case: Case, context: dict) -> dict | None:
    if case.status != CaseStatus.REJECTED:
        return None
    at = case.ended_at or case.updated_at
    issuer = _implementer_at(case, at)
    seal, seal_uri = _seal_of(issuer, at)
    event = case.events.filter(action="reject").order_by("-at").first()
    return {
        **context,
        "title": _("Notice of Non-acceptance"),
        "doc_number": _doc_number("不受", case),
        "issuer": issuer,
        "seal": seal,
        "seal_uri": seal_uri,
        "date": cn_date(at),
        "reason": event.comment if event else "",
    }


def _suspension_notice(case: Case, context: dict, index: int | None) -> dict | None:
    suspensions = list(case.suspensions.all())
    if not index or index < 1 or index > len(suspensions):
        return None
    suspension = suspensions[index - 1]
    issuer = case.authority
    seal, seal_uri = _seal_of(issuer, suspension.started_at)
    return {
        **context,
        "title": _("Notice of Special Procedure"),
        "doc_number": _doc_number("特", case, f"-{index}"),
        "issuer": issuer,
        "department": department_of(case),
        "seal": seal,
        "seal_uri": seal_uri,
        "date": cn_date(suspension.started_at),
        "suspension": suspension,
        "procedure": SpecialProcedure(suspension.procedure).label,
        "started_on": cn_date(suspension.started_on),
        "ended_on": cn_date(suspension.ended_on),
        "accepted_on": cn_date(case.accepted_at),
    }


def body_name(organisation, seal=None) -> str:
    """The name a document's letterhead and signature line give its issuing body: the name its seal bears
    when that is one of the body's names; for the bureau, its Approval Bureau name (the body approves as
    行政审批局, not as 数据局); else the primary name."""
    if organisation is None:
        return ""
    names = organisation.names
    if seal is not None and seal.name in names:
        return seal.name
    if organisation.kind == OrganisationKind.BUREAU:
        for name in names:
            if name.endswith(APPROVAL_BUREAU):
                return name
    return organisation.name


def _holder(content: dict, case: Case) -> dict:
    applicant = content.get("applicant", {})
    organisation = applicant.get("kind") == "organisation"
    return {
        "holder_name": applicant.get("name") or case.applicant_name,
        # The holder's own document: the ID in full, read from the case (encrypted at rest, not in the content).
        "holder_id": case.applicant_id_number,
        "holder_is_organisation": organisation,
        "holder_id_label": _("unified social credit code") if organisation else _("ID number"),
    }


def _result_document(case: Case, context: dict) -> dict | None:
    result = _result(case)
    if result is None:
        return None
    content = result.content
    seal = result.seal
    kind = content.get("result_kind") or ResultKind.OTHER
    verify_url = f"{context['progress_url'].split('/public/')[0]}/public/results/{result.verification_code}/"
    granted = result.decision == Decision.GRANT
    code = result.verification_code
    return {
        **context,
        "result": result,
        "content": content,
        "granted": granted,
        "title": content.get("title"),
        "doc_number": result.number,
        "issuer_name": content["authority"]["name"],
        "body_name": body_name(result.authority, seal) or content["authority"]["name"],
        "kind": kind,
        "is_certificate": kind in (ResultKind.LICENCE, ResultKind.CERTIFICATE),
        "particulars": content.get("particulars") or [],
        **_holder(content, case),
        "seal_name": result.seal_name,
        "seal_uri": seal_data_uri(seal),
        "date": cn_date(dt.datetime.fromisoformat(content["decided_at"])),
        "produced_on": cn_date(result.produced_at),
        "accepted_on": cn_date(dt.datetime.fromisoformat(content["accepted_at"]))
        if content.get("accepted_at")
        else "",
        "verify_url": verify_url,
        "verify_qr": qr_data_uri(verify_url),
        "code_groups": codes.grouped(code),
        "revoked": result.revoked,
    }


def _issue_slip(case: Case, context: dict) -> dict | None:
    if case.status != CaseStatus.ISSUED:
        return None
    result = _result(case)
    issuer = getattr(getattr(case.issued_by, "staff", None), "full_name", "") if case.issued_by_id else ""
    return {
        **context,
        "title": _("Result Hand-over Slip"),
        "doc_number": _doc_number("出", case),
        "result": result,
        "method": IssueMethod(case.issue_method).label if case.issue_method else "",
        "is_mail": case.issue_method == IssueMethod.MAIL,
        "recipient_kind": case.issue_recipient_kind,
        "recipient_is_agent": case.issue_recipient_kind == RecipientKind.AGENT,
        "recipient_id": mask_id_number(case.issue_recipient_id_number)
        if case.issue_recipient_id_number
        else "",
        "issued_at": case.issued_at,
        "date": cn_date(case.issued_at),
        "issued_by": issuer,
    }


TEMPLATES = {
    RECEIPT: "cases/pdf/receipt.html",
    SUPPLEMENT_NOTICE: "cases/pdf/supplement_notice.html",
    REJECTION_NOTICE: "cases/pdf/rejection_notice.html",
    SUSPENSION_NOTICE: "cases/pdf/suspension_notice.html",
    RESULT: "cases/pdf/result.html",
    ISSUE_SLIP: "cases/pdf/issue_slip.html",
    COMMITMENT: "cases/pdf/commitment.html",
}


def _commitment(case: Case, context: dict) -> dict | None:
    """容缺受理承诺书: the applicant's signed commitment to hand in the deferred materials by the deadline."""
    if case.accepted_at is None or not case.commitment:
        return None
    accept = case.events.filter(action="accept").order_by("at").first()
    codes_deferred = (accept.data or {}).get("deferred") if accept else None
    codes_deferred = codes_deferred or case.deferred_materials
    receipt = _receipt(case, context)
    return {
        **receipt,
        "title": _("Commitment for Deferred Materials"),
        "doc_number": _doc_number("容", case),
        "committed": [m for m in case.guide.materials.all() if m.code in codes_deferred],
        "holder_id": case.applicant_id_number,
    }


def context_for(
    case: Case, kind: str, *, index: int | None = None, base_url: str | None = None
) -> dict | None:
    """The template context of a document, or None when the case has no such document now.

    Links and QR codes use the configured public address (ONEWINDOW_PUBLIC_URL), never a request's.
    """
    if kind not in TEMPLATES:
        return None
    base = _base(case, base_url or settings.ONEWINDOW_PUBLIC_URL)
    if kind == COMMITMENT:
        return _commitment(case, base)
    if kind == RECEIPT:
        return _receipt(case, base)
    if kind == SUPPLEMENT_NOTICE:
        return _supplement_notice(case, base)
    if kind == REJECTION_NOTICE:
        return _rejection_notice(case, base)
    if kind == SUSPENSION_NOTICE:
        return _suspension_notice(case, base, index)
    if kind == RESULT:
        return _result_document(case, base)
    return _issue_slip(case, base)


def render(case: Case, kind: str, *, index: int | None = None, base_url: str | None = None) -> bytes | None:
    """The PDF of a document in Chinese, whatever the caller's language; None when it does not exist."""
    with translation.override("zh-hans"):
        context = context_for(case, kind, index=index, base_url=base_url)
        if context is None:
            return None
        return render_pdf(TEMPLATES[kind], context)
