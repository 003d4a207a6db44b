"""JSON API of the handover context: agreements, their signatures and impact, the seal registry, progress."""

import datetime as dt
from typing import Annotated

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.core import clock
from onewindow.core.api import LONG_TEXT_MAX, SHORT_TEXT_MAX, Id, In, Page, code, line, one_of, text
from onewindow.core.errors import PermissionDenied
from onewindow.core.scoping import get_in_scope, in_scope
from onewindow.handover import documents, selectors, services
from onewindow.handover.models import AgreementStatus, SealPurpose, SignatureSide

router = Router(tags=["handover"])


class OrgRef(Schema):
    code: str
    name: str


class Contact(Schema):
    name: str = ""
    phone: str = ""


class ContactIn(In):
    name: line(60, blank=True) = ""
    phone: line(20, blank=True) = Field("", description="with a phone, the name is required (422)")


Terms = text(LONG_TEXT_MAX, blank=True)
SubItemCodes = Annotated[list[code()], Field(max_length=1000)]
ItemCodes = Annotated[list[code(36)], Field(max_length=1000)]
StatusFilter = one_of(AgreementStatus.values)
OrganisationFilter = code()


class TermsIn(In):
    rights_duties: Terms = ""
    liaison: Terms = ""
    bureau_contact: ContactIn | None = None
    department_contact: ContactIn | None = None


class HandoverEditIn(In):
    subitems: SubItemCodes = Field([], description="unknown codes, or none with no items, are 422")
    items: ItemCodes = []
    effective_at: dt.datetime
    terms: TermsIn | Terms = ""


class HandoverIn(HandoverEditIn):
    receiving_department: code()


class SupersedeIn(HandoverEditIn):
    pass


class ReasonIn(In):
    reason: text(SHORT_TEXT_MAX)


class SubItemRef(Schema):
    code: str
    name: str
    item: OrgRef


class TermsOut(Schema):
    rights_duties: str
    liaison: str
    bureau_contact: Contact
    department_contact: Contact


class SignatureOut(Schema):
    side: one_of(SignatureSide.values)
    name: str
    role: str
    organisation: OrgRef
    signed_at: dt.datetime

    @staticmethod
    def resolve_name(obj):
        return obj.full_name


class HandoverOut(Schema):
    id: int
    number: str
    status: one_of(AgreementStatus.values)
    bureau: OrgRef
    receiving_department: OrgRef
    subitems: list[SubItemRef]
    effective_at: dt.datetime
    in_effect: bool
    terms: TermsOut
    signatures: list[SignatureOut]
    signed_at: dt.datetime | None
    supersedes: str | None
    superseded_by: str | None
    created_at: dt.datetime

    # Built from a HandoverAgreement of selectors.agreements() (signatures and sub-items prefetched).
    @staticmethod
    def resolve_receiving_department(obj):
        return obj.department

    @staticmethod
    def resolve_subitems(obj):
        return list(obj.subitems.all())

    @staticmethod
    def resolve_in_effect(obj):
        return obj.status == "signed" and obj.effective_at <= clock.now()

    @staticmethod
    def resolve_terms(obj):
        return {
            "rights_duties": obj.rights_duties,
            "liaison": obj.liaison,
            "bureau_contact": {"name": obj.bureau_contact_name, "phone": obj.bureau_contact_phone},
            "department_contact": {
                "name": obj.department_contact_name,
                "phone": obj.department_contact_phone,
            },
        }

    @staticmethod
    def resolve_signatures(obj):
        return list(obj.signatures.all())

    @staticmethod
    def resolve_supersedes(obj):
        return obj.supersedes.number if obj.supersedes else None

    @staticmethod
    def resolve_superseded_by(obj):
        successor = obj.superseded_by
        return successor.number if successor else None


class SealRecordOut(Schema):
    id: int
    name: str
    organisation: OrgRef
    purpose: one_of(SealPurpose.values)
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    void: bool
    void_reason: str
    voided_at: dt.datetime | None


class StationedOut(Schema):
    name: str
    roles: list[str]
    valid_from: dt.date
    valid_to: dt.date | None
    qualification_number: str
    qualification_expiry: dt.date | None
    qualified_approver: bool


class ImpactOut(Schema):
    effective_on: dt.date
    effective_passed: bool
    cases: list[dict]
    cases_available: bool
    stationed: list[StationedOut]
    qualified_approver_count: int
    unstaffed_subitems: list[str]


class DepartmentProgressOut(Schema):
    department: OrgRef
    targeted: int
    handed_over: int
    agreements: dict
    responsible: Contact
    qualified_approvers: int
    unstaffed_subitems: list[str]


class ProgressOut(Schema):
    deadline: dt.date
    days_left: int
    targeted: int
    handed_over: int
    agreements: dict
    departments: list[DepartmentProgressOut]


def _org(o) -> dict:
    return {"code": o.code, "name": o.name}


def _terms(payload) -> dict:
    terms = payload.terms
    if isinstance(terms, str):
        return {"rights_duties": terms}
    fields = {"rights_duties": terms.rights_duties, "liaison": terms.liaison}
    for side in ("bureau", "department"):
        contact = getattr(terms, f"{side}_contact")
        if contact is not None:
            fields[f"{side}_contact_name"] = contact.name
            fields[f"{side}_contact_phone"] = contact.phone
    return fields


def _agreement(request, agreement_id: Id):
    return get_in_scope(selectors.agreements(), request.auth, pk=agreement_id)


@router.get("/handovers", response=list[HandoverOut], summary="Handover agreements (readable by all staff)")
@paginate(Page)
def list_handovers(request, status: StatusFilter | None = None, department: OrganisationFilter | None = None):
    qs = in_scope(selectors.agreements(), request.auth)
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department__code=department)
    return qs


@router.post("/handovers", response={201: HandoverOut}, summary="Draft a handover agreement (supervisor)")
def create_handover(request, payload: HandoverIn):
    agreement = services.draft_agreement(
        actor=request.auth,
        department=payload.receiving_department,
        subitems=payload.subitems,
        items=payload.items,
        effective_at=payload.effective_at,
        **_terms(payload),
    )
    return Status(201, selectors.agreements().get(pk=agreement.pk))


@router.get("/handovers/{agreement_id}", response=HandoverOut, summary="One handover agreement")
def get_handover(request, agreement_id: Id):
    return _agreement(request, agreement_id)


@router.put("/handovers/{agreement_id}", response=HandoverOut, summary="Edit a draft (withdraws signatures)")
def edit_handover(request, agreement_id: Id, payload: HandoverEditIn):
    agreement = _agreement(request, agreement_id)
    services.update_draft(
        actor=request.auth,
        agreement=agreement,
        subitems=payload.subitems,
        items=payload.items,
        effective_at=payload.effective_at,
        **_terms(payload),
    )
    return selectors.agreements().get(pk=agreement.pk)


@router.post(
    "/handovers/{agreement_id}/sign",
    response=HandoverOut,
    summary="Sign for your party (the bureau's supervisor or the receiving department's head)",
)
def sign_handover(request, agreement_id: Id):
    agreement = selectors.agreement_to_sign(request.auth, agreement_id)
    services.sign_agreement(actor=request.auth, agreement=agreement)
    return selectors.agreements().get(pk=agreement.pk)


@router.post(
    "/handovers/{agreement_id}/supersede",
    response={201: HandoverOut},
    summary="Draft a new agreement replacing a signed one once both parties sign it",
)
def supersede_handover(request, agreement_id: Id, payload: SupersedeIn):
    agreement = _agreement(request, agreement_id)
    new = services.supersede_agreement(
        actor=request.auth,
        agreement=agreement,
        subitems=payload.subitems,
        items=payload.items,
        effective_at=payload.effective_at,
        **_terms(payload),
    )
    return Status(201, selectors.agreements().get(pk=new.pk))


@router.post("/handovers/{agreement_id}/withdraw", response=HandoverOut, summary="Withdraw a draft")
def withdraw_handover(request, agreement_id: Id, payload: ReasonIn):
    agreement = _agreement(request, agreement_id)
    services.withdraw_draft(actor=request.auth, agreement=agreement, reason=payload.reason)
    return selectors.agreements().get(pk=agreement.pk)


@router.get(
    "/handovers/{agreement_id}/impact",
    response=ImpactOut,
    summary="What signing touches: in-flight cases, stationed staff, unstaffed sub-items",
)
def handover_impact(request, agreement_id: Id):
    impact = selectors.impact_preview(_agreement(request, agreement_id), user=request.auth)
    return {
        **impact,
        "stationed": [
            {**{k: v for k, v in s.items() if k != "staff"}, "name": s["staff"].full_name}
            for s in impact["stationed"]
        ],
        "unstaffed_subitems": [s.code for s in impact["unstaffed_subitems"]],
    }


@router.get("/handovers/{agreement_id}/pdf", summary="The agreement as a PDF in Chinese")
def handover_pdf(request, agreement_id: Id):
    agreement = _agreement(request, agreement_id)
    response = HttpResponse(documents.agreement_pdf(agreement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{agreement.number}.pdf"'
    return response


@router.get(
    "/handover-progress", response=ProgressOut, summary="Handover progress per department (supervisor)"
)
def handover_progress(request):
    if not selectors.can_follow_progress(request.auth):
        raise PermissionDenied(
            _("Only the Data Bureau's supervisor follows the handover progress."), code="handover.forbidden"
        )
    progress = selectors.progress(request.auth.staff.organisation.region)
    return {
        "deadline": progress.deadline,
        "days_left": progress.days_left,
        "targeted": progress.targeted,
        "handed_over": progress.handed_over,
        "agreements": {
            "drafted": progress.drafted,
            "signed": progress.signed_pending,
            "effective": progress.effective,
        },
        "departments": [
            {
                "department": _org(d.department),
                "targeted": d.targeted,
                "handed_over": d.handed_over,
                "agreements": {"drafted": d.drafted, "signed": d.signed_pending, "effective": d.effective},
                "responsible": {"name": d.responsible_name, "phone": d.responsible_phone},
                "qualified_approvers": d.qualified_approvers,
                "unstaffed_subitems": [s.code for s in d.unstaffed],
            }
            for d in progress.departments
        ],
    }


@router.get("/seals", response=list[SealRecordOut], summary="The seal registry")
@paginate(Page)
def list_seals(request, organisation: OrganisationFilter | None = None, void: bool | None = None):
    qs = in_scope(selectors.seals(), request.auth)
    if organisation:
        qs = qs.filter(organisation__code=organisation)
    if void is not None:
        qs = qs.filter(void=void)
    return qs


@router.post("/seals/{seal_id}/void", response=SealRecordOut, summary="Void a seal for good (supervisor)")
def void_seal(request, seal_id: Id, payload: ReasonIn):
    seal = get_in_scope(selectors.seals(), request.auth, pk=seal_id)
    return services.void_seal(actor=request.auth, seal=seal, reason=payload.reason)
