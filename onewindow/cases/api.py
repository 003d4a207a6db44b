"""JSON API of the cases context: acceptance, actions, lists; public progress and verification."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from onewindow.cases import case_files, selectors, services, storage
from onewindow.cases import clock as case_clock
from onewindow.cases import transitions as t
from onewindow.cases.models import ApplicantKind, CaseStatus, Closure, Decision, IssueMethod, RecipientKind
from onewindow.catalogue.models import SpecialProcedure
from onewindow.core import clock, throttle
from onewindow.core.api import (
    NAME_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    DbInt,
    Id,
    IdNumber,
    In,
    Out,
    Page,
    Phone,
    ResidentId,
    answer_as_is,
    code,
    exact_body,
    line,
    one_of,
    text,
)

router = Router(tags=["cases"])


# --------------------------------------------------------------------------------------------------
# Shapes (CONTRACT.md's case, plus extra fields; none of the contract's is ever removed)
# --------------------------------------------------------------------------------------------------


class CodeName(Out):
    code: str
    name: str


# The check is any short text: a malformed one is the same 404 as a wrong one (nothing to probe).
CheckQuery = line(20, blank=True, description="last 4 digits of the applicant's phone")
StatusFilter = one_of(CaseStatus.values)
DepartmentFilter = code(description="code of the department working the case")
LevelFilter = one_of(case_clock.LEVELS)
MaterialCode = code(20, description="material code of the case's service guide")
MaterialCodes = Annotated[list[MaterialCode], Field(max_length=100)]


class ApplicantIn(In):
    kind: one_of(ApplicantKind.values, description="person | organisation")
    name: line(NAME_MAX)
    id_number: IdNumber = Field(
        ..., description="居民身份证 (person) or 统一社会信用代码 (organisation), check character validated"
    )
    phone: Phone


class CaseIn(In):
    subitem: code(description="sub-item code")
    applicant: ApplicantIn
    materials: MaterialCodes = Field(default_factory=list, description="codes of the materials handed in")
    deferred_materials: MaterialCodes = Field(
        default_factory=list,
        description="deferrable materials handed in later on a written commitment (容缺)",
    )
    commitment: text(TEXT_MAX, blank=True) = Field(
        "", description="the applicant's written commitment for deferred materials"
    )
    top_up_days: Annotated[int, Field(ge=1, le=366)] | None = Field(
        None, description="working days to hand them in (≤ the promised limit)"
    )
    window: code(10) | None = Field(
        None, description="comprehensive window number; default the clerk's usual one"
    )


class ApplicantOut(Out):
    kind: one_of(ApplicantKind.values)
    name: str
    id_number: str = Field(..., description="masked")


class ClockOut(Out):
    allowed_days: int
    used_days: int
    suspended_days: int
    extended_days: int
    remaining_days: int
    level: str = Field(..., description="normal | warning | overdue")
    provisional: bool
    promised_days: int
    running: bool
    breakdown: list[str] = Field(..., description="why the case is due on its due date")


class IssuanceClockOut(Out):
    decided_on: dt.date
    due_date: dt.date | None
    allowed_days: int
    used_days: int
    remaining_days: int
    level: str
    provisional: bool
    issued_on: dt.date | None


class SealOut(Out):
    id: int
    name: str
    organisation: CodeName | None


class ResultOut(Out):
    number: str
    verification_code: str
    decision: str
    seal: SealOut
    authority: CodeName | None
    content_hash: str
    produced_at: dt.datetime
    issued_at: dt.datetime | None
    revoked: bool


class EventOut(Out):
    at: dt.datetime
    action: str
    actor: str
    actor_name: str
    role: str
    organisation: str | None
    organisation_name: str | None
    comment: str
    status: str | None


class SuspensionOut(Out):
    procedure: one_of(SpecialProcedure.values)
    reason: str
    planned_days: int | None
    participants: list[str]
    started_on: dt.date
    ended_on: dt.date | None
    outcome: str


class ExtensionOut(Out):
    days: int
    reason: str
    granted_at: dt.datetime


class IssueOut(Out):
    method: one_of(IssueMethod.values)
    recipient: str | None
    recipient_kind: one_of(RecipientKind.values) | None
    recipient_id_number: str | None
    address: str | None
    carrier: str | None
    tracking_number: str | None


class CaseOut(Out):
    number: str
    status: one_of(CaseStatus.values)
    status_label: str
    closure: one_of(Closure.values) | None
    version: int
    subitem: CodeName
    guide_version: int
    applicant: ApplicantOut
    authority: CodeName | None
    department: CodeName | None
    window: str | None
    received_at: dt.datetime
    accepted_at: dt.datetime | None
    due_date: dt.date | None
    clock: ClockOut
    issuance_clock: IssuanceClockOut | None
    materials: list[str]
    missing_materials: list[str]
    supplement_note: str
    deferred_materials: list[str]
    top_up_deadline: dt.date | None
    claimed_by: str | None
    decision: one_of(Decision.values) | None
    decision_reason: str
    decided_at: dt.datetime | None
    issued_at: dt.datetime | None
    issue_method: one_of(IssueMethod.values) | None
    particulars: dict[str, str] | None = Field(
        None, description="the result's particulars filled in at the grant"
    )
    issue: IssueOut | None = Field(None, description="how the result was handed out (null until issued)")
    result: ResultOut | None
    suspensions: list[SuspensionOut]
    extensions: list[ExtensionOut]
    events: list[EventOut]


class ActionIn(In):
    # `action` is checked by the service after the case's scope (an unknown case is 404 before an
    # unknown action is 400); the schema still lists the actions.
    action: str = Field(
        ...,
        max_length=30,
        description="supplement | reject | withdraw | claim | suspend | resume | extend | return | decide | "
        "produce_result | issue",
        json_schema_extra={"enum": list(t.ACTIONS)},
    )
    version: DbInt
    materials: MaterialCodes | None = None
    reason: text(TEXT_MAX, blank=True) | None = None
    procedure: one_of(SpecialProcedure.values) | None = None
    planned_days: Annotated[int, Field(ge=1, le=365)] | None = None
    participants: Annotated[list[line(NAME_MAX)], Field(max_length=50)] | None = None
    outcome: text(TEXT_MAX, blank=True) | None = None
    days: Annotated[int, Field(ge=1, le=365)] | None = None
    decision: one_of(Decision.values) | None = None
    particulars: (
        Annotated[
            dict[
                code(),
                text(TEXT_MAX, blank=True) | Annotated[int, Field(ge=-(2**53), le=2**53)] | float | None,
            ],
            Field(max_length=100),
        ]
        | None
    ) = Field(
        None, description="decide (grant): {code: value} for the result fields of the case's service guide"
    )
    method: one_of(IssueMethod.values) | None = None
    recipient: line(NAME_MAX, blank=True) | None = Field(
        None, description="issue: who takes the result (default: the applicant)"
    )
    recipient_kind: one_of(RecipientKind.values) | None = Field(
        None, description="issue by pickup: self | agent"
    )
    recipient_id_number: ResidentId | None = Field(
        None, description="issue to an agent: the agent's resident ID"
    )
    address: line(SHORT_TEXT_MAX, blank=True) | None = Field(
        None, description="issue by mail: the mailing address"
    )
    carrier: line(60, blank=True) | None = Field(
        None, description="issue by mail: the carrier (e.g. 中国邮政EMS)"
    )
    tracking_number: line(60, blank=True) | None = Field(
        None, description="issue by mail: the tracking number"
    )


# The exact body of each action (published as `oneOf`; the service checks them after scope, role,
# state and version, so the operation parses ActionIn, whose fields have the same types).
Reason = text(TEXT_MAX)
OptionalText = text(TEXT_MAX, blank=True)
Particulars = Annotated[
    dict[code(), OptionalText | Annotated[int, Field(ge=-(2**53), le=2**53)] | float | None],
    Field(max_length=100, description="{code: value} for the result fields of the case's service guide"),
]


class _ActionBody(In):
    version: DbInt = Field(..., description="the version of the case the caller saw (stale: 409)")


class SupplementIn(_ActionBody):
    action: Literal["supplement"]
    materials: MaterialCodes = Field(..., description="the materials handed in now")


class RejectIn(_ActionBody):
    action: Literal["reject"]
    reason: Reason


class WithdrawIn(_ActionBody):
    action: Literal["withdraw"]
    reason: OptionalText = ""


class ClaimIn(_ActionBody):
    action: Literal["claim"]


class SuspendIn(_ActionBody):
    action: Literal["suspend"]
    procedure: one_of(SpecialProcedure.values)
    reason: Reason
    planned_days: Annotated[int, Field(ge=1, le=365)] = None
    participants: Annotated[list[line(NAME_MAX)], Field(max_length=50)] = []


class ResumeIn(_ActionBody):
    action: Literal["resume"]
    outcome: OptionalText = ""


class ExtendIn(_ActionBody):
    action: Literal["extend"]
    days: Annotated[int, Field(ge=1, le=365)] = Field(..., description="beyond the sub-item's cap: 422")
    reason: Reason


class ReturnIn(_ActionBody):
    action: Literal["return"]
    reason: Reason


class GrantIn(_ActionBody):
    action: Literal["decide"]
    decision: Literal["grant"]
    reason: OptionalText = ""
    particulars: Particulars = {}


class DenyIn(_ActionBody):
    action: Literal["decide"]
    decision: Literal["deny"]
    reason: Reason = Field(..., description="a denial states its reasons")
    particulars: Particulars = {}


class ProduceResultIn(_ActionBody):
    action: Literal["produce_result"]


class IssueIn(_ActionBody):
    action: Literal["issue"]
    method: one_of(IssueMethod.values)
    recipient: line(NAME_MAX, blank=True) = Field(
        "", description="who takes the result (default: the applicant)"
    )
    recipient_kind: one_of(RecipientKind.values) = Field(None, description="pickup: self | agent")
    recipient_id_number: ResidentId = Field(None, description="pickup by an agent: the agent's resident ID")
    address: line(SHORT_TEXT_MAX, blank=True) = Field("", description="mail: the mailing address")
    carrier: line(60, blank=True) = Field("", description="mail: the carrier (e.g. 中国邮政EMS)")
    tracking_number: line(60, blank=True) = Field("", description="mail: the tracking number")


ACTION_BODIES = (
    SupplementIn,
    RejectIn,
    WithdrawIn,
    ClaimIn,
    SuspendIn,
    ResumeIn,
    ExtendIn,
    ReturnIn,
    GrantIn,
    DenyIn,
    ProduceResultIn,
    IssueIn,
)


class PublicStep(Schema):
    at: dt.datetime
    step: str
    label: str


class PublicCaseOut(Schema):
    number: str
    status: one_of(CaseStatus.values)
    status_label: str
    subitem: CodeName
    department: dict[str, str] | None
    accepted_on: dt.date | None
    due_date: dt.date | None
    provisional: bool
    missing_materials: list[CodeName]
    steps: list[PublicStep]


class VerificationOut(Schema):
    genuine: bool
    number: str
    authority: CodeName | None
    seal: SealOut
    issued_at: dt.datetime | None
    produced_at: dt.datetime
    decision: str
    subitem: CodeName
    content_hash: str
    revoked: bool


# --------------------------------------------------------------------------------------------------
# Staff endpoints
# --------------------------------------------------------------------------------------------------


def _detail(user, number: str) -> dict:
    return selectors.case_detail(selectors.get_case(user, number))


@router.post("/cases", response={200: CaseOut, 201: CaseOut}, summary="Accept an application at a window")
def create_case(request, payload: CaseIn):
    """201 a new case; the same `Idempotency-Key` of the same clerk again → that case, 200."""
    case, created = services.accept(
        actor=request.auth,
        subitem=payload.subitem,
        applicant=payload.applicant.dict(),
        materials=payload.materials,
        deferred_materials=payload.deferred_materials,
        commitment=payload.commitment,
        top_up_days=payload.top_up_days,
        window=payload.window,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    if not created:  # the case of an earlier request with this key: read as GET shows it
        return Status(200, _detail(request.auth, case.number))
    return answer_as_is(CaseOut, selectors.action_answer(case, actor=request.auth, created=True), status=201)


@router.get("/cases", response=list[CaseOut], summary="Cases in the caller's scope")
@paginate(Page)
def list_cases(
    request,
    status: StatusFilter | None = None,
    department: DepartmentFilter | None = None,
    level: LevelFilter | None = None,
):
    """Filters: `status`, `department` (code of the department working the case), `level`."""
    qs = selectors.cases_for(request.auth, status=status, department=department, level=level)
    return _DetailList(qs)


class _DetailList:
    """A lazily sliced queryset whose items are rendered as case details (only the page is built)."""

    def __init__(self, qs):
        self.qs = qs

    def __len__(self):
        return self.qs.count()

    def count(self):
        return self.qs.count()

    def __getitem__(self, item):
        return selectors.page_details(self.qs[item], today=clock.today())


@router.get("/cases/{number}", response=CaseOut, summary="One case")
def get_case(request, number: str):
    return _detail(request.auth, number)


@router.post(
    "/cases/{number}/actions",
    response=CaseOut,
    summary="Take an action on a case",
    openapi_extra=exact_body(*ACTION_BODIES, description="one action with its own fields"),
)
def case_action(request, number: str, payload: ActionIn):
    params = payload.dict(exclude={"action", "version"}, exclude_none=True)
    case = services.perform(
        actor=request.auth, case=number, action=payload.action, version=payload.version, **params
    )
    return answer_as_is(CaseOut, selectors.action_answer(case, actor=request.auth))


# --------------------------------------------------------------------------------------------------
# The electronic case file: scans of the materials
# --------------------------------------------------------------------------------------------------


class ProblemOut(Schema):
    """application/problem+json (RFC 9457), as every error of the API."""

    type: str
    status: int
    title: str
    detail: str
    code: str | None = None
    errors: dict[str, list[str]] | None = None


class CaseFileOut(Schema):
    id: int
    material: str = Field(..., description="material code of the case's pinned service guide")
    name: str
    content_type: str = Field(
        ..., description="application/pdf | image/jpeg | image/png, found from the content"
    )
    size: int = Field(..., description="bytes")
    sm3: str = Field(..., description="SM3 hash of the bytes (hex); the bytes are stored once by it")
    uploaded_at: dt.datetime
    version: int = Field(..., description="1, or the replaced file's version + 1")
    replaces: int | None = Field(None, description="id of the earlier version this file replaces")
    replaced_by: int | None = Field(None, description="id of the newer version, when replaced")
    uploaded_by: str
    url: str = Field(..., description="GET it for the bytes")


FILE_ERRORS = {
    400: ProblemOut,
    401: ProblemOut,
    403: ProblemOut,
    404: ProblemOut,
    409: ProblemOut,
    413: ProblemOut,
    422: ProblemOut,
}


@router.post(
    "/cases/{number}/materials/{code}/files",
    response={201: CaseFileOut, 200: CaseFileOut, **FILE_ERRORS},
    summary="Attach a scan of a material (PDF, JPEG or PNG) — window clerk",
)
def upload_case_file(
    request, number: str, code: str, file: File[UploadedFile], replaces: Form[Id | None] = None
):
    """Multipart `file`; optional `replaces` (id of a current file of the material: this one becomes its
    next version, both are kept). The type is found from the content: anything but PDF, JPEG or PNG is 422;
    over the per-file or per-case limit 413; a material not in the case's pinned guide 400; a case no longer
    at the window for materials 409; not a window clerk 403; outside your scope 404. Nothing is stored on a
    refusal. The same bytes again for the same material answer the file on record, 200."""
    ((found, created),) = case_files.attach(
        actor=request.auth, case=number, material=code, uploads=[file], replaces=replaces
    )
    return Status(201 if created else 200, selectors.case_file_summary(found))


@router.get(
    "/cases/{number}/files",
    response={200: list[CaseFileOut], 401: ProblemOut, 404: ProblemOut},
    summary="The scans of a case, by material, the newest first",
)
@paginate(Page)
def list_case_files(request, number: str):
    return [selectors.case_file_summary(f) for f in selectors.case_files(request.auth, number)]


@router.get(
    "/files/{file_id}",
    response={401: ProblemOut, 404: ProblemOut},
    url_name="case_file",
    summary="The bytes of a scan (only to those who may see its case)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The bytes, `Content-Disposition: inline`, `Cache-Control: no-store`.",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}}
                    for t in ("application/pdf", "image/jpeg", "image/png")
                },
            }
        }
    },
)
def download_case_file(request, file_id: Id):
    return storage.bytes_response(selectors.get_case_file(request.auth, file_id))


# --------------------------------------------------------------------------------------------------
# Public, login-free endpoints: rate-limited per client address (and failed look-ups per case number)
# --------------------------------------------------------------------------------------------------


@router.get(
    "/public/cases/{number}",
    auth=None,
    response={200: PublicCaseOut, 429: Any},
    summary="Public progress query (case number + last 4 digits of the phone)",
)
def public_case(request, number: str, check: CheckQuery | None = None):
    """The check (last 4 digits of the applicant's phone) in the `X-Check` header keeps it out of access
    logs and browser history; the `check` query parameter works too."""
    check = request.headers.get("X-Check") or check or ""
    with throttle.guarded(request, "case", number):
        return selectors.public_case(number, check)


class PublicQueryIn(In):
    check: CheckQuery


@router.post(
    "/public/cases/{number}",
    auth=None,
    response={200: PublicCaseOut, 429: Any},
    summary="Public progress query with the check in the body (kept out of URLs and logs)",
)
def public_case_query(request, number: str, payload: PublicQueryIn):
    with throttle.guarded(request, "case", number):
        return selectors.public_case(number, payload.check)


@router.get(
    "/public/results/{code}",
    auth=None,
    response={200: VerificationOut, 429: Any},
    summary="Verify a result by its verification code",
)
def public_result(request, code: str):
    throttle.check(request, "result")
    return selectors.verify_result(code)
