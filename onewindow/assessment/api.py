"""JSON API of the assessment: results in scope (CONTRACT: GET /assessments), runs, entered scores, the
flow (review … record), corrections, the PDF sheet, the ranking and the schemes."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.assessment import documents, selectors, services
from onewindow.core.api import DbInt, Id, In, Page, Rendered, line, text
from onewindow.core.api import code as code_field

router = Router(tags=["assessment"])

StatusCode = Literal["draft", "reviewed", "confirmed", "filed", "returned", "recorded"]
SubjectKindCode = Literal["window_staff", "stationed_staff", "department"]
PeriodKindCode = Literal["month", "year"]
IndicatorKindCode = Literal["computed", "entered"]
PartCode = Literal["month", "year_end"]
RuleCode = Literal["rate", "target", "deduct"]
PERIOD = r"^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2]))?$"


class AssessmentUnit(Schema):
    code: str
    name: str


class AssessmentSubjectOut(Schema):
    kind: SubjectKindCode
    username: str | None = Field(None, description="a person's login; null for a department")
    name: str
    department: str | None = Field(None, description="the department's code; null for a person")


class AssessmentSchemeRef(Schema):
    id: int
    version: int
    name: str


class AssessmentResultOut(Schema):
    id: int
    period: str = Field(..., description="YYYY-MM or YYYY")
    period_kind: PeriodKindCode
    subject_kind: SubjectKindCode
    subject: AssessmentSubjectOut
    unit: AssessmentUnit
    status: StatusCode
    status_label: str
    version: int
    total: Decimal
    monthly_mean: Decimal | None = Field(None, description="a year: the weighted mean of the months")
    year_end_score: Decimal | None = Field(None, description="a year: the year-end part")
    scheme: AssessmentSchemeRef
    corrects: int | None = Field(None, description="the filed result this one corrects")
    corrected_by: int | None = Field(None, description="the correction of this result, if any")
    correction_reason: str
    computed_at: dt.datetime
    filed_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    returned_at: dt.datetime | None
    recorded_at: dt.datetime | None


class AssessmentRecordOut(Schema):
    type: Literal["case", "rating", "rectification", "result"]
    ref: str
    label: str


class AssessmentScoreOut(Schema):
    indicator: str
    name: str
    kind: IndicatorKindCode
    part: PartCode
    source: str | None
    source_label: str | None
    rule: RuleCode | None
    weight: Decimal
    parameter: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    value: Decimal | None
    points: Decimal | None
    note: str
    basis: dict[str, Any] = Field(
        ..., description="count or numerator/denominator, `records` (the first 100 behind the value), `more`"
    )


class AssessmentResultDetailOut(AssessmentResultOut):
    months: list[dict[str, Any]] = Field(..., description="a year: the monthly results used")
    scores: list[AssessmentScoreOut]
    reviewed_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    reviewed_by: str | None
    confirmed_by: str | None
    filed_by: str | None
    acknowledged_by: str | None
    returned_by: str | None
    recorded_by: str | None


Version = Annotated[
    DbInt | None, Field(None, description="the result's version the caller saw (409 when stale)")
]
# Numbers in, as JSON numbers (a Decimal would also take any string); the services keep two decimals.
Points = Annotated[float, Field(ge=0, le=100)]


class AssessmentRunIn(In):
    period: str = Field(..., pattern=PERIOD, description="YYYY-MM (a month) or YYYY (a year)")
    subject_kinds: list[SubjectKindCode] | None = Field(None, description="default: every kind")


class AssessmentRunOut(Schema):
    period: str
    created: int
    updated: int
    kept: int = Field(..., description="results already past the draft, left as they are")
    kinds: dict[str, int]
    missing_schemes: list[SubjectKindCode]


class AssessmentScoreIn(In):
    indicator: code_field(description="an entered indicator of the result's scheme")
    points: Points
    note: text(2000, blank=True) = ""
    version: Version = None


class AssessmentStepIn(In):
    version: Version = None


class AssessmentCorrectIn(In):
    reason: text(2000, description="why the filed result is corrected")


class AssessmentIndicatorOut(Schema):
    code: str
    name: str
    kind: IndicatorKindCode
    part: PartCode
    source: str | None
    rule: RuleCode | None
    weight: Decimal
    parameter: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None


class AssessmentIndicatorIn(In):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[0-9A-Za-z_-]+$")
    name: line(100)
    kind: IndicatorKindCode
    part: PartCode = "month"
    source: code_field(description="a registered source (computed)") | None = None
    rule: RuleCode | None = None
    weight: Annotated[float, Field(gt=0, le=100)]
    parameter: Annotated[float, Field(gt=0, le=9999)] | None = None
    minimum: Points | None = None
    maximum: Points | None = None


class AssessmentSchemeIn(In):
    subject_kind: SubjectKindCode
    name: line(100, blank=True) = ""
    effective_from: dt.date
    monthly_share: Annotated[float, Field(ge=0, le=1)]
    indicators: list[AssessmentIndicatorIn] = Field(..., min_length=1, max_length=40)
    note: text(2000, blank=True) = ""


class AssessmentSchemeOut(Schema):
    id: int
    subject_kind: SubjectKindCode
    version: int
    name: str
    effective_from: dt.date
    monthly_share: Decimal
    note: str
    created_at: dt.datetime
    indicators: list[AssessmentIndicatorOut]


def _scheme(scheme) -> dict:
    return {
        "id": scheme.pk,
        "subject_kind": scheme.subject_kind,
        "version": scheme.version,
        "name": scheme.name,
        "effective_from": scheme.effective_from,
        "monthly_share": scheme.monthly_share,
        "note": scheme.note,
        "created_at": scheme.created_at,
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "kind": i.kind,
                "part": i.part,
                "source": i.source or None,
                "rule": i.rule or None,
                "weight": i.weight,
                "parameter": i.parameter,
                "minimum": i.minimum,
                "maximum": i.maximum,
            }
            for i in scheme.indicators.all()
        ],
    }


@router.get(
    "/assessments", response=list[AssessmentResultOut], summary="Assessment results in the caller's scope"
)
@paginate(Page)
def list_assessments(
    request,
    period: str | None = Query(None, pattern=PERIOD, description="YYYY-MM or YYYY"),
    subject_kind: SubjectKindCode | None = None,
    status: StatusCode | None = None,
):
    """A person sees their own (from confirmation on), a department head their department's and its
    people's, the supervisor all, the 督考办 only what was filed (filed, returned, recorded)."""
    qs = selectors.results_for(request.auth, period=period, subject_kind=subject_kind, status=status)
    return Rendered(qs, selectors.result_summary)


@router.post(
    "/assessments/runs", response=AssessmentRunOut, summary="Compute the drafts of a period (supervisor)"
)
def run_assessment(request, payload: AssessmentRunIn):
    summary = services.run(actor=request.auth, period=payload.period, kinds=payload.subject_kinds)
    return summary.__dict__


@router.get(
    "/assessments/ranking.xlsx",
    summary="The ranking of a period as .xlsx",
    openapi_extra={
        "responses": {
            "200": {
                "description": "the workbook",
                "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    }
                },
            }
        }
    },
)
def ranking_xlsx(
    request, period: str = Query(..., pattern=PERIOD), subject_kind: SubjectKindCode = "window_staff"
):
    return documents.ranking_response(request.auth, period=period, subject_kind=subject_kind)


@router.get(
    "/assessments/{result_id}", response=AssessmentResultDetailOut, summary="One result with its breakdown"
)
def get_assessment(request, result_id: Id):
    return selectors.result_detail(selectors.get_result(request.auth, result_id))


@router.get(
    "/assessments/{result_id}/sheet.pdf",
    summary="The assessment sheet (PDF)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "the sheet",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def assessment_sheet(request, result_id: Id):
    result = selectors.get_result(request.auth, result_id)
    return documents.sheet_response(result)


@router.post(
    "/assessments/{result_id}/scores",
    response=AssessmentResultDetailOut,
    summary="Enter an indicator's points (supervisor)",
)
def enter_score(request, result_id: Id, payload: AssessmentScoreIn):
    result = services.enter_score(
        actor=request.auth,
        result=result_id,
        indicator=payload.indicator,
        points=payload.points,
        note=payload.note,
        version=payload.version,
    )
    return selectors.result_detail(selectors.get_result(request.auth, result.pk))


def _step(action: str, summary: str):
    def handler(request, result_id: Id, payload: AssessmentStepIn):
        result = services.act(actor=request.auth, result=result_id, action=action, version=payload.version)
        return selectors.result_detail(selectors.get_result(request.auth, result.pk))

    handler.__name__ = f"assessment_{action}"
    router.post(f"/assessments/{{result_id}}/{action}", response=AssessmentResultDetailOut, summary=summary)(
        handler
    )


_step("review", "Reviewed: every indicator entered (supervisor)")
_step("confirm", "Confirm a reviewed result (supervisor)")
_step("reopen", "Back to draft, before filing (supervisor)")
_step("file", "File with the 督考办 (supervisor)")
_step("acknowledge", "The 督考办 acknowledges a filing")
_step("return", "The 督考办 returns the result to the unit")
_step("record", "Recorded in the personal file (the unit's head; the supervisor for the bureau's staff)")


@router.post(
    "/assessments/{result_id}/correct",
    response={201: AssessmentResultDetailOut},
    summary="Correct a filed result: a new linked draft (supervisor)",
)
def correct_assessment(request, result_id: Id, payload: AssessmentCorrectIn):
    new = services.correct(actor=request.auth, result=result_id, reason=payload.reason)
    return Status(201, selectors.result_detail(selectors.get_result(request.auth, new.pk)))


@router.get(
    "/assessment-schemes", response=list[AssessmentSchemeOut], summary="Scheme versions (supervisor, 督考办)"
)
def list_schemes(request):
    return [_scheme(s) for s in selectors.schemes(request.auth)]


@router.post(
    "/assessment-schemes",
    response={201: AssessmentSchemeOut},
    summary="Save a new scheme version (supervisor)",
)
def create_scheme(request, payload: AssessmentSchemeIn):
    scheme = services.create_scheme_version(
        actor=request.auth,
        subject_kind=payload.subject_kind,
        name=payload.name,
        effective_from=payload.effective_from,
        monthly_share=payload.monthly_share,
        indicators=[i.dict() for i in payload.indicators],
        note=payload.note,
    )
    return Status(201, _scheme(scheme))
