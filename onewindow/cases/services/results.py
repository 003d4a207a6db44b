"""The result (办理结果/证照): produced by the department with the seal rule 2 chooses, handed out by the
unified issuing window only, revoked by the deciding department's head or the supervisor."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from onewindow.cases import codes
from onewindow.cases import transitions as t
from onewindow.cases.models import Case, Decision, IssueMethod, RecipientKind, Result
from onewindow.cases.services._base import _begin, _lock, _next_serial, _optional, _required, _save, _staff
from onewindow.core import audit, clock, prepared
from onewindow.core.errors import Conflict, InvalidInput, InvalidValue
from onewindow.core.prepared import gathering
from onewindow.core.validators import NAME_MAX, SHORT_TEXT_MAX, is_valid_resident_id, mask_id_number
from onewindow.handover.seals import select_seal_for_case

# 行政许可法 art. 38 and 行政复议法 art. 20 / 行政诉讼法 art. 46: what a denial must tell the applicant.
REMEDIES = (
    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
    "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)


def _result_content(case: Case, *, number: str, code: str, seal, at: dt.datetime) -> dict:
    """The fixed text of the decision or certificate, in Chinese whatever the request's language."""
    with translation.override("zh-hans"):
        granted = case.decision == Decision.GRANT
        title = (case.subitem.result_name or "准予行政许可决定书") if granted else "不予行政许可决定书"
        staff = _staff(case.decided_by)
        content = {
            "title": title,
            "number": number,
            "verification_code": code,
            "case_number": case.number,
            "subitem": {"code": case.subitem.code, "name": case.subitem.name},
            "applicant": {
                "kind": case.applicant_kind,
                "name": case.applicant_name,
                "id_number": mask_id_number(case.applicant_id_number),
            },
            "result_kind": case.guide.result_kind,
            "particulars": [
                {"code": f["code"], "label": f["label"], "value": case.result_particulars[f["code"]]}
                for f in (case.guide.result_fields or [])
                if granted and case.result_particulars.get(f["code"])
            ],
            "decision": case.decision,
            "reason": case.decision_reason,
            "authority": {"code": case.authority.code, "name": case.authority.name},
            "seal": {"id": seal.pk, "name": seal.name, "organisation": seal.organisation.code},
            "accepted_at": case.accepted_at.isoformat() if case.accepted_at else None,
            "decided_at": case.decided_at.isoformat(),
            "decided_by": staff.full_name if staff else "",
            "department": case.decided_department.name if case.decided_department_id else "",
            "produced_at": at.isoformat(),
        }
        if not granted:
            content["remedies"] = REMEDIES
    return content


def build_result(case: Case, *, seal, at: dt.datetime, actor, extra: dict | None = None) -> Result:
    """The result of the decided `case` produced at `at` under `seal` (rule 2's choice), not yet saved:
    numbered from the region's counter of that year, with a new verification code, its content fixed
    and hashed (SM3). `extra` adds to the content (e.g. the history import marks itself)."""
    if actor is not None and case.decided_by_id == getattr(actor, "pk", None):
        case.decided_by = actor  # who decided also produces, as a rule: no read of the user
    year = clock.local_date(at).year
    number = f"{case.region.code}-{year}-{_next_serial(case.region, 'result', str(year)):06d}"
    code = codes.new_verification_code()
    content = {**_result_content(case, number=number, code=code, seal=seal, at=at), **(extra or {})}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return Result(
        case=case,
        region=case.region,
        number=number,
        verification_code=code,
        decision=case.decision,
        authority=case.authority,
        seal=seal,
        seal_name=seal.name,
        seal_organisation=seal.organisation,
        content=content,
        content_hash=audit.sm3_hex(canonical.encode("utf-8")),
        produced_at=at,
        produced_by=actor,
    )


_INSERT_RESULT = prepared.Insert(Result)


def produce_result(*, actor, case, version: int) -> Case:
    """Number the result, apply the seal rule 2 chooses, fix content and SM3 hash (→ result_ready).

    No valid seal → 422 and nothing changes. The PDF is rendered on demand from the fixed content.
    """
    with transaction.atomic():
        case, role, transition = _begin(actor, case, t.PRODUCE_RESULT, version)
        seal = select_seal_for_case(case)  # NoValidSeal (422) rolls everything back
        result = build_result(case, seal=seal, at=clock.now(), actor=actor)
        case.status = transition.status_after
        with gathering():  # the result's row goes out with the case change's writes
            prepared.add(_INSERT_RESULT, result)
            _save(
                case,
                action="produce_result",
                actor=actor,
                role=role,
                data={
                    "result": result.number,
                    "seal": seal.pk,
                    "seal_name": seal.name,
                    "hash": result.content_hash,
                },
            )
        return case


def _issue_details(
    case, *, method, recipient, recipient_kind, recipient_id_number, address, carrier, tracking_number
):
    """Who took the result, or where it was mailed: {field: value}, or InvalidInput with every field error."""
    errors: dict[str, list[str]] = {}
    recipient = _optional(recipient, "recipient", max_length=NAME_MAX, multiline=False)
    details = {"issue_recipient_kind": "", "issue_recipient_id_number": "", "issue_address": ""}
    details.update({"issue_carrier": "", "issue_tracking_number": ""})
    if method == IssueMethod.MAIL:
        address = _optional(address, "address", max_length=SHORT_TEXT_MAX, multiline=False)
        tracking_number = _optional(tracking_number, "tracking_number", max_length=60, multiline=False)
        carrier = _optional(carrier, "carrier", max_length=60, multiline=False)
        # CONTRACT's short form `issue {method: mail, recipient}` (the address in the recipient text)
        # stays valid; once any mailing detail is given, the address and the tracking number are due.
        if not (address or tracking_number or carrier):
            details.update(issue_recipient=recipient or case.applicant_name)
            return details
        if not address:
            errors["address"] = [_("The mailing address is required.")]
        if not tracking_number:
            errors["tracking_number"] = [_("The tracking number is required.")]
        details.update(
            issue_recipient=recipient or case.applicant_name,
            issue_address=address,
            issue_carrier=carrier,
            issue_tracking_number=tracking_number,
        )
    else:
        kind = (recipient_kind or "").strip() or (RecipientKind.AGENT if recipient else RecipientKind.SELF)
        if kind not in RecipientKind.values:
            errors["recipient_kind"] = [_("self or agent")]
        elif kind == RecipientKind.AGENT:
            id_number = (recipient_id_number or "").strip().upper()
            if not recipient:
                errors["recipient"] = [_("The agent's name is required.")]
            if id_number and not is_valid_resident_id(id_number):
                errors["recipient_id_number"] = [_("Not a valid resident ID number (check digit).")]
            elif not id_number and recipient_kind:
                errors["recipient_id_number"] = [_("The agent's ID number is required.")]
            details.update(issue_recipient_id_number=id_number)
        details.update(
            issue_recipient_kind=kind,
            issue_recipient=(recipient if kind == RecipientKind.AGENT else "") or case.applicant_name,
        )
    if errors:
        raise InvalidValue(_("The hand-over was not recorded."), code="case.issue_details", errors=errors)
    return details


def issue(
    *,
    actor,
    case,
    version: int,
    method: str | None = None,
    recipient: str | None = None,
    recipient_kind: str | None = None,
    recipient_id_number: str | None = None,
    address: str | None = None,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> Case:
    """The unified issuing window hands the result out (pickup or mail); the case ends (rule 5).

    Pickup records who took it: the applicant, or an agent with a checked ID number; mail records the
    address, the carrier and the tracking number.
    """
    with transaction.atomic():
        case, role, transition = _begin(actor, case, t.ISSUE, version)
        if method not in IssueMethod.values:
            message = _("pickup or mail")
            raise InvalidInput(message, code="case.issue_method", errors={"method": [message]})
        details = _issue_details(
            case,
            method=method,
            recipient=recipient,
            recipient_kind=recipient_kind,
            recipient_id_number=recipient_id_number,
            address=address,
            carrier=carrier,
            tracking_number=tracking_number,
        )
        now = clock.now()
        case.issued_at = now
        case.issued_by = actor
        case.issue_method = method
        for field, value in details.items():
            setattr(case, field, value)
        case.status = transition.status_after
        case.ended_at = now
        data = {"method": method, "recipient_kind": case.issue_recipient_kind}
        if case.issue_tracking_number:
            data.update(carrier=case.issue_carrier, tracking_number=case.issue_tracking_number)
        with gathering():  # the result's stamp goes out with the case change's writes
            _mark_result_issued(case, now)
            return _save(case, action="issue", actor=actor, role=role, data=data)


def _mark_result_issued(case: Case, at: dt.datetime) -> None:
    """Stamp the case's result issued, the one the row lock read (kept on the case for the answer)."""
    result = Case.result.related.get_cached_value(case, None)
    if result is None:
        return  # the lock found none
    table = connection.ops.quote_name(Result._meta.db_table)
    prepared.write(
        f'UPDATE {table} SET "issued_at" = %s WHERE "id" = %s',
        [connection.ops.adapt_datetimefield_value(at), result.pk],
        key=(Result, result.pk),
    )
    result.issued_at = at


def revoke_result(*, actor, case, reason: str) -> Result:
    """Revoke an issued or ready result (撤销): verification then answers genuine false.

    The head of the department that decided the case, or the supervisor.
    """
    reason = _required(reason, "reason", _("A reason is required."), max_length=SHORT_TEXT_MAX)
    with transaction.atomic():
        locked = _lock(actor, case)
        role = t.check_side_action(locked, t.REVOKE_RESULT, actor)
        result = Result.objects.select_for_update().get(case=locked)
        if result.revoked:
            raise Conflict(_("The result is already revoked."), code="case.result_revoked")
        result.revoked = True
        result.revoked_at = clock.now()
        result.revoked_reason = reason
        result.save()
        _save(
            locked,
            action=t.REVOKE_RESULT,
            actor=actor,
            role=role,
            comment=reason,
            data={"result": result.number},
        )
    return result
