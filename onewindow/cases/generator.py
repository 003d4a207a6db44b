"""`onewindow load-sample --cases N`: N synthetic historical cases, written in bulk (COPY on PostgreSQL).

The history is an import from the previous system, not a replay through the services (that would move
the one clock millions of times and run at a few hundred cases a second). Each case still follows the
live rules, computed with the same functions or the same arithmetic:

- numbers from the live counters (`CaseSerial`, advanced here under the row lock, so the desk's next
  number never collides); result numbers likewise, verification codes from `cases.codes`;
- the authority is the implementer at acceptance (rule 1's ranges), the result carries the seal
  `handover.seals` would choose for it at production time (same filter and order), its content is
  built by the result service's own `_result_content` and hashed (SM3) the same way;
- due dates as `cases.clock` computes them (promised + granted extensions + suspended working days,
  counted with `workdays.arithmetic`), as the daily `tick` would have stored them today;
- one event per step with the actions, statuses after and data the services write, so the case page,
  its timeline and the public progress page render them; the version counts the steps;
- one audit entry per case (`cases.generated`), appended with `audit.record_many` in the same
  transaction as the chunk it records.

Working days only (the calendar's own index), more cases on Mondays and in spring and late autumn,
fewer around the Spring Festival and National Day, a slow growth over the years. About 5 % of cases
start with a supplement request (some then rejected or withdrawn), 1.5 % are withdrawn after
acceptance, 5 % are decided after their due date, some sub-items go through special procedures and
extensions, 5 % of decisions are denials; recent cases are still open today in every state, some of
them overdue. Applicants come from a pool encrypted once (their ID numbers and phones are stored
encrypted, as the desk stores them). Listeners of `cases.hooks` are not called: the statistics are
rebuilt after the load (see the load-sample command).
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import json
import multiprocessing
import os
import random
import re
import traceback
from collections import Counter, defaultdict
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from onewindow.cases import codes
from onewindow.cases.clock import ISSUANCE_DAYS
from onewindow.cases.models import (
    Case,
    CaseEvent,
    CaseSerial,
    CaseStatus,
    Closure,
    Decision,
    Extension,
    Result,
    Suspension,
    applicant_id_digest,
)
from onewindow.cases.services._base import case_number
from onewindow.cases.services.results import REMEDIES, _result_content
from onewindow.catalogue.models import Assignment, GuideStatus, ServiceGuide
from onewindow.catalogue.results import sample_particulars
from onewindow.core import audit, bulk, clock
from onewindow.core.crypto import encrypt
from onewindow.core.models import AuditEntry
from onewindow.core.validators import credit_code_check_char, mask_id_number, resident_id_check_char
from onewindow.handover.models import Seal, SealPurpose
from onewindow.org import roles as r
from onewindow.workdays import arithmetic
from onewindow.workdays.errors import CalendarMissing
from onewindow.workdays.models import PROVISIONAL

CHUNK = 10_000  # cases per transaction
OFFLINE_AT = 50_000  # from this many cases (and at least as many as stored), indexes offline (see `generate`)
WORKERS_AT = 50_000  # from this many cases, chunks are made by worker processes (see `generate`)
MAX_WORKERS = 4
SYSTEM = "system"

# Shares of the outcomes (see the module docstring).
P_SUPPLEMENT = 0.05  # start with a supplement request (一次性告知)
P_SUPPLEMENT_REJECTED = 0.25  # of those: not accepted (不予受理)
P_SUPPLEMENT_WITHDRAWN = 0.10  # of those: withdrawn at the window
P_WITHDRAWN = 0.015  # withdrawn after acceptance
P_LATE = 0.05  # decided after the due date
P_SUSPENDED = 0.12  # of the cases whose sub-item provides for special procedures
P_EXTENDED = 0.04  # granted an extension (within the sub-item's cap)
P_DENIED = 0.05
P_MAIL = 0.2

# Seasonality: a month's weight, a weekday's (a make-up Saturday or Sunday counts as a quiet day).
MONTH_WEIGHT = (0, 0.95, 0.6, 1.15, 1.1, 1.05, 1.1, 0.95, 0.9, 1.05, 0.8, 1.15, 1.2)
WEEKDAY_WEIGHT = (1.25, 1.1, 1.0, 1.0, 0.85, 0.7, 0.7)
GROWTH_PER_YEAR = 0.08
DAY_MINUTES = 480  # 08:30–16:30, when applications are received
FIVE_MINUTES = dt.timedelta(minutes=5)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国志红玉兰桂英平刚文辉鹏"
COMPANY_WORDS = (
    "华信",
    "鑫达",
    "恒泰",
    "宏远",
    "金鼎",
    "瑞丰",
    "众邦",
    "永盛",
    "德隆",
    "博创",
    "海川",
    "天成",
)
COMPANY_KINDS = ("科技", "建筑工程", "商贸", "食品", "医药", "物流", "餐饮", "机械制造")
PROCEDURE_PEOPLE = ("王工", "李教授", "张高工", "刘检测员", "陈专家")


@dataclass
class _Person:
    """A demo user as the events sign: id, username, name, organisation, window."""

    id: int
    username: str
    full_name: str
    organisation_id: int | None
    window_id: int | None = None

    @property
    def staff(self):
        return SimpleNamespace(full_name=self.full_name)

    @property
    def copy_columns(self) -> str:
        """actor_id, actor_name, actor_full_name of its events in COPY text (see _event_lines)."""
        if self._copy is None:
            self._copy = f"{self.id}\t{bulk.copy_str(self.username)}\t{bulk.copy_str(self.full_name)}"
        return self._copy

    _copy: str | None = field(default=None, repr=False, compare=False)


@dataclass
class _Guide:
    guide: ServiceGuide
    required: list[str]
    procedures: list[str]
    cap: int
    ranges: list[tuple[dt.datetime, dt.datetime | None, int]] = field(default_factory=list)

    def __post_init__(self):
        # Read once what every case of the sub-item needs (model attribute access is slow in a loop).
        g, subitem = self.guide, self.guide.subitem
        self.region = subitem.region
        self.region_id = subitem.region_id
        self.region_code = subitem.region.code
        self.subitem_id = subitem.pk
        self.guide_id = g.pk
        self.promised = g.promised_days
        self.result_fields = g.result_fields or []
        self.required_json = _JSON(self.required)
        self.calendar = arithmetic.bound(region=subitem.region)
        self.provisional_years = {
            year
            for year, status in arithmetic.known_years(region=subitem.region).items()
            if status == PROVISIONAL
        }
        # What the result service's content reads of the sub-item and the guide.
        self.shown_subitem = SimpleNamespace(
            code=subitem.code, name=subitem.name, result_name=subitem.result_name
        )
        self.shown_guide = SimpleNamespace(result_kind=g.result_kind, result_fields=self.result_fields)

    def implementer(self, at: dt.datetime) -> int | None:
        """Rule 1: the organisation whose [valid_from, valid_to) holds `at` (the same predicate as valid_at)."""
        last_start, last_end, last_organisation_id = self.ranges[-1]
        if last_end is None and last_start <= at:  # the current implementer: most moments of a history
            return last_organisation_id
        for start, end, organisation_id in self.ranges:
            if start <= at and (end is None or end > at):
                return organisation_id
        return None


@dataclass
class _Applicant:
    kind: str
    name: str
    id_number: str
    id_cipher: str
    phone_cipher: str
    digest: str
    masked: str = ""

    def __post_init__(self):
        self.masked = mask_id_number(self.id_number)


@dataclass
class _World:
    """Everything the generator reads once: guides, people, organisations, seals, applicants."""

    guides: list[_Guide]
    cum_weights: list[float]
    clerks: list[_Person]
    issuers: list[_Person]
    approvers: dict[int, _Person]
    heads: dict[int, _Person]
    organisations: dict[int, object]
    seals: dict[int, list[Seal]]
    applicants: list[_Applicant]

    result_templates: dict = field(default_factory=dict)

    def __post_init__(self):
        # Plain copies of what the result content reads of organisations and seals.
        self.shown = {pk: SimpleNamespace(code=o.code, name=o.name) for pk, o in self.organisations.items()}
        self.shown_seals = {
            seal.pk: SimpleNamespace(
                pk=seal.pk, name=seal.name, organisation=self.shown[seal.organisation_id]
            )
            for ranked in self.seals.values()
            for seal in ranked
        }


def _people(role: str) -> list[_Person]:
    users = (
        get_user_model()
        .objects.filter(groups__name=role, staff__isnull=False, is_active=True)
        .select_related("staff")
        .order_by("username")
    )
    return [
        _Person(u.pk, u.username, u.staff.full_name, u.staff.organisation_id, u.staff.window_id)
        for u in users
    ]


def _applicants(rng: random.Random, persons: int, organisations: int) -> list[_Applicant]:
    """A pool of applicants, encrypted once (the contexts the Case fields encrypt under)."""
    id_field = Case._meta.get_field("applicant_id_number")
    phone_field = Case._meta.get_field("applicant_phone")
    pool = []
    for _n in range(persons):
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 48))
        first17 = f"2103{rng.choice(('02', '03', '04', '11', '21'))}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        id_number = first17 + resident_id_check_char(first17)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        pool.append(("person", name, id_number, phone))
    for n in range(organisations):
        first17 = f"91210300MA{n:04d}{rng.choice('0123456789ABCDEFGHJKLMNPQRTUWXY')}{rng.randrange(100):02d}"
        id_number = first17 + credit_code_check_char(first17)
        name = f"鞍山{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_KINDS)}有限公司"
        phone = f"0412-{rng.randrange(2_000_000, 8_999_999)}"
        pool.append(("organisation", name, id_number, phone))
    return [
        _Applicant(
            kind,
            name,
            id_number,
            encrypt(id_number, context=id_field.crypto_context),
            encrypt(phone, context=phone_field.crypto_context),
            applicant_id_digest(id_number),
        )
        for kind, name, id_number, phone in pool
    ]


def _world(rng: random.Random, n: int) -> _World | None:
    from onewindow.org.models import Organisation

    latest: dict[int, ServiceGuide] = {}
    for guide in (
        ServiceGuide.objects.filter(status=GuideStatus.PUBLISHED, promised_days__gte=1)
        .select_related("subitem__region")
        .prefetch_related("materials")
        .order_by("subitem__code", "-version")
    ):
        latest.setdefault(guide.subitem_id, guide)
    ranges = defaultdict(list)
    for a in Assignment.objects.filter(subitem_id__in=list(latest)).order_by("valid_from"):
        ranges[a.subitem_id].append((a.valid_from, a.valid_to, a.organisation_id))
    guides = []
    for subitem_id, guide in latest.items():
        if not ranges[subitem_id]:
            continue
        guides.append(
            _Guide(
                guide=guide,
                required=[m.code for m in guide.materials.all() if m.required],
                procedures=list(guide.subitem.special_procedures or []),
                cap=guide.subitem.extension_cap_days or 0,
                ranges=ranges[subitem_id],
            )
        )
    clerks = [c for c in _people(r.WINDOW_CLERK) if c.window_id is not None] or _people(r.WINDOW_CLERK)
    issuers = _people(r.ISSUING_CLERK)
    if not guides or not clerks or not issuers:
        return None
    rng.shuffle(guides)
    # A few sub-items make most of the work (a Zipf-like popularity).
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(guides))]
    seals = defaultdict(list)
    for seal in Seal.objects.select_related("organisation").filter(void=False):
        seals[seal.organisation_id].append(seal)
    for ranked in seals.values():
        # handover.seals.valid_seals' order: approval seals first, then the newest, then the highest id.
        ranked.sort(key=lambda s: (s.purpose != SealPurpose.APPROVAL, -s.valid_from.timestamp(), -s.pk))
    return _World(
        guides=guides,
        cum_weights=list(itertools.accumulate(weights)),
        clerks=clerks,
        issuers=issuers,
        approvers={p.organisation_id: p for p in reversed(_people(r.APPROVER))},
        heads={p.organisation_id: p for p in reversed(_people(r.DEPARTMENT_HEAD))},
        organisations={o.pk: o for o in Organisation.objects.all()},
        seals=seals,
        # One applicant for about every twenty cases, up to a few thousand (each encrypted once).
        applicants=_applicants(rng, persons=min(3000, 40 + n // 20), organisations=min(600, 10 + n // 100)),
    )


def _seal(world: _World, authority_id: int, at: dt.datetime) -> Seal | None:
    """handover.seals.select_seal over the preloaded seals: valid at `at`, not void, best first."""
    for seal in world.seals.get(authority_id, ()):
        if seal.valid_from <= at and (seal.valid_to is None or seal.valid_to > at):
            return seal
    return None


# --------------------------------------------------------------------------------------------------
# The days
# --------------------------------------------------------------------------------------------------


def _days(world: _World, n: int, days: int, rng: random.Random, now: dt.datetime) -> list[dt.date]:
    """n reception days (sorted), working days only, weighted by season, weekday and growth."""
    tz = timezone.get_default_timezone()
    today = clock.local_date(now)
    region = world.guides[0].guide.subitem.region
    first = min(rng_[0][0] for rng_ in (g.ranges for g in world.guides))
    start = max(today - dt.timedelta(days=days), clock.local_date(first))
    known = arithmetic.known_years(region=region)
    while start.year not in known and start < today:
        start = dt.date(start.year + 1, 1, 1)
    candidates, weights = [], []
    opening = dt.datetime.combine(today, dt.time(8, 30), tzinfo=tz)
    elapsed_today = max(0.0, min(1.0, (now - opening).total_seconds() / 60 / DAY_MINUTES))
    day = start
    while day <= today:
        try:
            working = arithmetic.is_workday(day, region=region)
        except CalendarMissing:
            working = False
        if working:
            weight = MONTH_WEIGHT[day.month] * WEEKDAY_WEIGHT[day.weekday()]
            weight *= (1 + GROWTH_PER_YEAR) ** ((day - start).days / 365.25)
            if day == today:
                weight *= elapsed_today
            if weight > 0:
                candidates.append(day)
                weights.append(weight)
        day += dt.timedelta(days=1)
    if not candidates:
        return []
    return sorted(rng.choices(candidates, weights=weights, k=n))


# --------------------------------------------------------------------------------------------------
# One case
# --------------------------------------------------------------------------------------------------

# Actions that do not bump the version: the creation's events (acceptance and its routing).
_NO_BUMP = frozenset({"accept", "routed"})


@dataclass
class _Step:
    at: dt.datetime
    action: str
    actor: _Person | None
    role: str
    organisation_id: int | None
    status: str
    comment: str = ""
    data: dict = field(default_factory=dict)
    updates: dict = field(default_factory=dict)


@dataclass
class _Made:
    """One generated case before its numbers are known: the row, its steps, its records."""

    case: dict
    events: list[_Step]
    guide: _Guide
    applicant: _Applicant
    suspension: dict | None = None
    suspension_steps: list[_Step] = field(default_factory=list)
    extension: dict | None = None
    result: dict | None = None
    result_step: _Step | None = None
    authority_id: int | None = None
    decider: _Person | None = None


class _Texts:
    """The Chinese texts the services write (gettext under zh-hans, looked up once)."""

    def __init__(self):
        with translation.override("zh-hans"):
            self.missing = _("Materials missing: %(codes)s")
            self.routed = _("Routed to %(department)s.")


class _Simulator:
    def __init__(self, world: _World, rng: random.Random, now: dt.datetime, texts: _Texts):
        self.w = world
        self.rng = rng
        self.now = now
        self.today = clock.local_date(now)
        self.tz = timezone.get_default_timezone()
        self._openings: dict[dt.date, dt.datetime] = {}

    def at(self, day: dt.date, minutes: float) -> dt.datetime:
        """`minutes` after 08:30 on `day` in the hall's time zone, as UTC."""
        opening = self._openings.get(day)
        if opening is None:
            opening = dt.datetime.combine(day, dt.time(8, 30), tzinfo=self.tz).astimezone(dt.UTC)
            self._openings[day] = opening
        return opening + dt.timedelta(minutes=minutes)

    def local(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def case(self, guide: _Guide, received_at: dt.datetime, texts: _Texts) -> _Made:
        rng, w = self.rng, self.w
        random = rng.random

        def randint(low: int, high: int) -> int:  # random.randint's range, without its overhead
            return low + int(random() * (high - low + 1))

        def choice(seq):
            return seq[int(random() * len(seq))]

        clerk = choice(w.clerks)
        applicant = w.applicants[rng.randrange(len(w.applicants))]

        add = guide.calendar.add

        def later(moment: dt.datetime, low: int, high: int) -> dt.datetime:
            return moment + dt.timedelta(minutes=randint(low, high))

        def clerk_step(at, action, status, comment="", data=None, **updates):
            return _Step(
                at, action, clerk, r.WINDOW_CLERK, clerk.organisation_id, status, comment, data or {}, updates
            )

        required = guide.required
        case = {
            "received_at": received_at,
            "updated_at": received_at,
            "materials": required,
            "missing_materials": [],
            "status": CaseStatus.ACCEPTED,
        }
        made = _Made(case=case, events=[], guide=guide, applicant=applicant)
        steps = made.events
        accepted_at = received_at
        if random() < P_SUPPLEMENT:
            # The first required material handed in, the others on the one complete list.
            received = required[:1] if len(required) > 1 else []
            missing = required[len(received) :]
            case.update(materials=received, missing_materials=missing, status=CaseStatus.SUPPLEMENT_REQUESTED)
            steps.append(
                clerk_step(
                    received_at,
                    "request_supplement",
                    CaseStatus.SUPPLEMENT_REQUESTED,
                    texts.missing % {"codes": ", ".join(missing)},
                    {"received": received, "missing": missing},
                )
            )
            back = self.at(add(self.local(received_at), randint(1, 20)), rng.uniform(0, DAY_MINUTES))
            roll = random()
            if roll < P_SUPPLEMENT_REJECTED:
                steps.append(
                    clerk_step(
                        back,
                        "reject",
                        CaseStatus.REJECTED,
                        "不符合受理条件",
                        closure=Closure.REJECTED,
                        ended_at=back,
                    )
                )
                return made
            if roll < P_SUPPLEMENT_REJECTED + P_SUPPLEMENT_WITHDRAWN:
                steps.append(
                    clerk_step(
                        back,
                        "withdraw",
                        CaseStatus.WITHDRAWN,
                        "申请人撤回申请",
                        closure=Closure.WITHDRAWN,
                        ended_at=back,
                    )
                )
                return made
            steps.append(
                clerk_step(
                    back,
                    "supplement",
                    CaseStatus.ACCEPTED,
                    data={"handed_in": missing},
                    materials=required,
                    missing_materials=[],
                )
            )
            accepted_at = back
        authority_id = guide.implementer(accepted_at)
        authority = w.organisations[authority_id]
        accepted_on = self.local(accepted_at)
        promised = guide.promised
        steps.append(
            clerk_step(
                accepted_at,
                "accept",
                CaseStatus.ACCEPTED,
                data={
                    "received": list(required),
                    "authority": authority.code,
                    "due_date": add(accepted_on, promised).isoformat(),
                },
                authority_id=authority_id,
                accepted_at=accepted_at,
                accepted_by_id=clerk.id,
            )
        )
        steps.append(
            _Step(
                accepted_at,
                "routed",
                None,
                "",
                authority_id,
                CaseStatus.ACCEPTED,
                texts.routed % {"department": authority.name},
                {"department": authority.code},
            )
        )
        made.authority_id = authority_id
        # The back office of the department implementing the sub-item at each moment (rule 3).
        claim_at = (
            later(accepted_at, 15, 240)
            if random() < 0.7
            else self.at(add(accepted_on, 1), rng.uniform(0, 120))
        )
        worker = w.approvers.get(guide.implementer(claim_at))
        if random() < P_WITHDRAWN:
            withdraw_at = self.at(add(accepted_on, randint(1, 3)), rng.uniform(0, DAY_MINUTES))
            if claim_at < withdraw_at:
                steps.append(self._claim(claim_at, worker))
            steps.append(
                clerk_step(
                    withdraw_at,
                    "withdraw",
                    CaseStatus.WITHDRAWN,
                    "申请人撤回申请",
                    closure=Closure.WITHDRAWN,
                    ended_at=withdraw_at,
                )
            )
            return made
        steps.append(self._claim(claim_at, worker))
        late = random() < P_LATE
        extended = 0
        head = w.heads.get(guide.implementer(claim_at))
        if guide.cap and head is not None and random() < P_EXTENDED:
            extended = randint(1, min(guide.cap, max(promised, 1)))
        allowed = promised + extended
        work_days = allowed + randint(1, max(2, allowed // 3)) if late else randint(1, allowed)
        suspended = 0
        suspend_day = None
        if extended:
            work_days = max(work_days, 2)  # the extension is granted on a working day before the decision
        first_free = 2 if extended else 1  # a suspension starts after the extension, if any
        if guide.procedures and worker is not None and work_days > first_free and random() < P_SUSPENDED:
            suspend_day = randint(first_free, work_days - 1)
            suspended = randint(2, 15)
        if extended:
            granted_on = add(accepted_on, randint(1, (suspend_day or work_days) - 1))
            granted_at = self.at(granted_on, rng.uniform(0, DAY_MINUTES))
            due = add(accepted_on, promised + extended)
            reason = "案情复杂，需进一步核查，经负责人批准延长办理期限"
            step = _Step(
                granted_at,
                "extend",
                head,
                r.DEPARTMENT_HEAD,
                head.organisation_id,
                "",  # keeps the status
                reason,
                {"days": extended, "due_date": due.isoformat()},
            )
            steps.append(step)
            made.extension = {
                "days": extended,
                "reason": reason,
                "granted_by_id": head.id,
                "granted_at": granted_at,
                "step": step,
            }
        if suspend_day:
            procedure = choice(guide.procedures)
            started_on = add(accepted_on, suspend_day)
            # After the claim (a next-day claim may come later in the morning than the planned step).
            started_at = max(self.at(started_on, rng.uniform(0, DAY_MINUTES)), claim_at + FIVE_MINUTES)
            ended_on = add(started_on, suspended)
            ended_at = self.at(ended_on, rng.uniform(0, DAY_MINUTES))
            people = rng.sample(PROCEDURE_PEOPLE, 2)
            reason = "依法需要组织专家评审或现场核查，所需时间不计入办理时限"
            outcome = "特别程序已完成，结论符合要求"
            planned = suspended + choice((0, 0, 2, 5))
            start = _Step(
                started_at,
                "suspend",
                worker,
                r.APPROVER,
                worker.organisation_id,
                CaseStatus.SUSPENDED,
                reason,
                {"suspension": None, "procedure": procedure, "planned_days": planned, "participants": people},
            )
            resume_due = add(accepted_on, allowed + suspended)  # the extension (if any) came before
            end = _Step(
                ended_at,
                "resume",
                worker,
                r.APPROVER,
                worker.organisation_id,
                CaseStatus.IN_REVIEW,
                outcome,
                {"suspension": None, "due_date": resume_due.isoformat()},
            )
            steps.extend((start, end))
            made.suspension = {
                "procedure": procedure,
                "reason": reason,
                "planned_days": planned,
                "participants": json.dumps(people, ensure_ascii=False),
                "started_at": started_at,
                "started_on": started_on,
                "started_by_id": worker.id,
                "ended_at": ended_at,
                "ended_on": ended_on,
                "ended_by_id": worker.id,
                "outcome": outcome,
                "start": start,
                "end": end,
            }
        decided_on = add(accepted_on, work_days + suspended)
        decided_at = max(self.at(decided_on, rng.uniform(0, DAY_MINUTES - 60)), claim_at + FIVE_MINUTES)
        department_id = guide.implementer(decided_at)
        decider = w.approvers.get(department_id)
        made.decider = decider
        deny = random() < P_DENIED
        decision = Decision.DENY if deny else Decision.GRANT
        reason = "申请材料不符合法定条件、标准" if deny else "符合法定条件、标准"
        particulars = {} if deny else sample_particulars(guide.result_fields, on=decided_on)
        data = {"decision": decision, "issue_due_date": _iso(_issue_due(guide, decided_on))}
        if particulars:
            data["particulars"] = particulars
        if deny:
            data["remedies"] = REMEDIES
        steps.append(
            _Step(
                decided_at,
                "decide",
                decider,
                r.APPROVER if decider else "",
                department_id,
                CaseStatus.DECIDED,
                reason,
                data,
                {
                    "decision": decision,
                    "decision_reason": reason,
                    "result_particulars": particulars,
                    "decided_at": decided_at,
                    "decided_by_id": decider.id if decider else None,
                    "decided_department_id": department_id,
                },
            )
        )
        produced_at = (
            later(decided_at, 5, 60)
            if random() < 0.7
            else self.at(add(decided_on, 1), rng.uniform(0, DAY_MINUTES - 120))
        )
        seal = _seal(w, authority_id, produced_at)
        if seal is None:
            return made  # decided; the result is refused until a valid seal exists (rule 2)
        produce = _Step(
            produced_at,
            "produce_result",
            decider,
            r.APPROVER if decider else "",
            department_id,
            CaseStatus.RESULT_READY,
            data={"result": None, "seal": seal.pk, "seal_name": seal.name, "hash": None},
        )
        steps.append(produce)
        made.result_step = produce
        made.result = {
            "seal": seal,
            "produced_at": produced_at,
            "produced_by_id": decider.id if decider else None,
        }
        issue_on = add(self.local(produced_at), choice((0, 1, 1, 2, 2, 3, 4, 5, 7, 9)))
        issued_at = (
            later(produced_at, 10, 90)
            if issue_on == self.local(produced_at)
            else self.at(issue_on, rng.uniform(0, DAY_MINUTES))
        )
        issuer = choice(w.issuers)
        updates = {"issued_at": issued_at, "issued_by_id": issuer.id, "ended_at": issued_at}
        if random() < P_MAIL:
            tracking = f"EMS{rng.randrange(10**12):012d}"
            updates.update(
                issue_method="mail",
                issue_recipient=applicant.name,
                issue_address="辽宁省鞍山市高新区千山路" + str(randint(1, 400)) + "号",
                issue_carrier="中国邮政EMS",
                issue_tracking_number=tracking,
            )
            data = {
                "method": "mail",
                "recipient_kind": "",
                "carrier": "中国邮政EMS",
                "tracking_number": tracking,
            }
        else:
            updates.update(issue_method="pickup", issue_recipient=applicant.name, issue_recipient_kind="self")
            data = {"method": "pickup", "recipient_kind": "self"}
        issuer_org = issuer.organisation_id
        steps.append(
            _Step(
                issued_at, "issue", issuer, r.ISSUING_CLERK, issuer_org, CaseStatus.ISSUED, "", data, updates
            )
        )
        return made

    def _claim(self, at: dt.datetime, worker: _Person | None) -> _Step:
        return _Step(
            at,
            "claim",
            worker,
            r.APPROVER if worker else "",
            worker.organisation_id if worker else None,
            CaseStatus.IN_REVIEW,
            updates={"claimed_by_id": worker.id if worker else None},
        )


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _issue_due(guide: _Guide, decided_on: dt.date) -> dt.date | None:
    """Art. 44's due date (cases.clock.refresh_due_dates): unknown until the next year's schedule exists."""
    try:
        return guide.calendar.add(decided_on, ISSUANCE_DAYS)
    except CalendarMissing:
        return None


# --------------------------------------------------------------------------------------------------
# Up to now: the steps that happened, the clock as `cases.clock` computes it today
# --------------------------------------------------------------------------------------------------


def _apply(made: _Made, sim: _Simulator) -> None:
    """Keep the steps up to now (later ones have not happened yet), set the case's fields and version."""
    case = made.case
    steps = sorted(made.events, key=lambda s: s.at)  # stable: accept before routed
    kept = []
    version = 1
    for n, step in enumerate(steps):
        if step.at > sim.now:
            break
        case.update(step.updates)
        if step.status:
            case["status"] = step.status
        else:
            step.status = case["status"]  # an extension keeps the status
        if step.action not in _NO_BUMP and not (n == 0 and step.action == "request_supplement"):
            version += 1
        case["updated_at"] = step.at
        kept.append(step)
    case["version"] = version
    made.events = kept
    done = {s.action for s in kept}
    if made.suspension is not None:
        if "suspend" not in done:
            made.suspension = None
        elif "resume" not in done:
            made.suspension.update(ended_at=None, ended_on=None, ended_by_id=None, outcome="")
    if made.extension is not None and "extend" not in done:
        made.extension = None
    if made.result is not None and "produce_result" not in done:
        made.result, made.result_step = None, None
    elif made.result is not None:
        made.result["issued_at"] = case.get("issued_at")
    _clock(made, sim)


def _clock(made: _Made, sim: _Simulator) -> None:
    """due_date, due_provisional and issue_due_date as cases.clock.refresh_due_dates stores them today."""
    case = made.case
    accepted_at = case.get("accepted_at")
    if accepted_at is None:
        return
    guide = made.guide
    accepted_on = sim.local(accepted_at)
    decided_at = case.get("decided_at")
    stopped_on = sim.local(decided_at) if decided_at else None
    end = max(min(sim.today, stopped_on) if stopped_on else sim.today, accepted_on)
    suspended = 0
    s = made.suspension
    if s is not None:
        through = min(s["ended_on"] or end, end)
        if through > s["started_on"]:
            suspended = guide.calendar.count(s["started_on"], through)
    extended = made.extension["days"] if made.extension else 0
    due = guide.calendar.add(accepted_on, guide.promised + extended + suspended)
    case["due_date"] = due
    # Provisional when a day counted (add_workdays_info) or spanned (span_is_provisional) lies in a
    # provisional year: together, the years from acceptance through the later of the due date and `end`.
    provisional = guide.provisional_years
    case["due_provisional"] = bool(provisional) and any(
        year in provisional for year in range(accepted_on.year, max(due.year, end.year) + 1)
    )
    if stopped_on is not None:
        case["issue_due_date"] = _issue_due(guide, stopped_on)


# --------------------------------------------------------------------------------------------------
# Writing a chunk
# --------------------------------------------------------------------------------------------------

CASE_FIELDS = (
    "id",
    "region_id",
    "number",
    "status",
    "version",
    "closure",
    "subitem_id",
    "guide_id",
    "window_id",
    "created_by_id",
    "received_at",
    "idempotency_key",
    "request_fingerprint",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_id_digest",
    "materials",
    "missing_materials",
    "supplement_note",
    "deferred_materials",
    "commitment",
    "top_up_deadline",
    "authority_id",
    "accepted_by_id",
    "accepted_at",
    "due_date",
    "due_provisional",
    "claimed_by_id",
    "decision",
    "decision_reason",
    "result_particulars",
    "decided_at",
    "decided_by_id",
    "decided_department_id",
    "issue_due_date",
    "issued_at",
    "issued_by_id",
    "issue_method",
    "issue_recipient",
    "issue_recipient_kind",
    "issue_recipient_id_number",
    "issue_address",
    "issue_carrier",
    "issue_tracking_number",
    "ended_at",
    "updated_at",
)
EVENT_FIELDS = (
    "case_id",
    "at",
    "action",
    "actor_id",
    "actor_name",
    "actor_full_name",
    "role",
    "organisation_id",
    "comment",
    "status_after",
    "data",
)
SUSPENSION_FIELDS = (
    "id",
    "case_id",
    "procedure",
    "reason",
    "planned_days",
    "participants",
    "started_at",
    "started_on",
    "started_by_id",
    "ended_at",
    "ended_on",
    "ended_by_id",
    "outcome",
)
EXTENSION_FIELDS = ("case_id", "days", "reason", "granted_by_id", "granted_at")
RESULT_FIELDS = (
    "case_id",
    "region_id",
    "number",
    "verification_code",
    "decision",
    "authority_id",
    "seal_id",
    "seal_name",
    "seal_organisation_id",
    "content",
    "content_hash",
    "produced_at",
    "produced_by_id",
    "issued_at",
    "revoked",
    "revoked_at",
    "revoked_reason",
)
OFFLINE_TABLES = (Case, CaseEvent, Suspension, Extension, Result, AuditEntry)
# Text columns left empty on a generated case, and JSON ones left as an empty list or object.
_CASE_TEXT = {
    "closure": "",
    "idempotency_key": "",
    "request_fingerprint": "",
    "supplement_note": "",
    "commitment": "",
    "decision": "",
    "decision_reason": "",
    "issue_method": "",
    "issue_recipient": "",
    "issue_recipient_kind": "",
    "issue_recipient_id_number": "",
    "issue_address": "",
    "issue_carrier": "",
    "issue_tracking_number": "",
}
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def _reserve_serials(counts: dict[tuple[int, str, str], int]) -> dict[tuple[int, str, str], int]:
    """Advance each live counter (region, scope, key) by its count under its row lock, in one statement;
    the first new serial of each."""
    if not counts:
        return {}
    table = connection.ops.quote_name(CaseSerial._meta.db_table)
    keys = sorted(counts)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(keys))
    params = [p for k in keys for p in (*k, counts[k])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (region_id, scope, key, last) VALUES {values} "
            f"ON CONFLICT (region_id, scope, key) DO UPDATE SET last = {table}.last + excluded.last "
            "RETURNING region_id, scope, key, last",
            params,
        )
        return {
            (r, scope, key): last - counts[(r, scope, key)] + 1 for r, scope, key, last in cursor.fetchall()
        }


@dataclass
class _Sketch:
    """A chunk simulated but not numbered yet (phase 1), and what it needs reserved in the database."""

    made: list[_Made]
    places: list[tuple[dt.date, int]]
    per_day: Counter  # (region, day) -> cases received
    suspensions: int
    per_year: Counter  # (region, year) -> results produced


def _simulate_chunk(sim: _Simulator, world: _World, chunk_days: list[dt.date], texts: _Texts) -> _Sketch:
    """Phase 1 of a chunk, without the database: its sub-items, reception times and cases up to now."""
    rng = sim.rng
    plan = _plan(world, rng, chunk_days, sim)
    per_day = Counter((g.region_id, day) for day, g in plan)
    minutes_of_day: dict[tuple[int, dt.date], list[float]] = {}
    for (region_id, day), count in per_day.items():
        limit = DAY_MINUTES
        if day == sim.today:
            limit = max(1.0, min(DAY_MINUTES, (sim.now - sim.at(day, 0)).total_seconds() / 60 - 1))
        minutes_of_day[(region_id, day)] = sorted(rng.uniform(0, limit) for _ in range(count))
    taken = Counter()
    made_cases = []
    places = []
    for day, guide in plan:
        slot = (guide.region_id, day)
        place = taken[slot]
        taken[slot] += 1
        made = sim.case(guide, sim.at(day, minutes_of_day[slot][place]), texts)
        _apply(made, sim)
        made_cases.append(made)
        places.append((day, place))
    tz = sim.tz
    return _Sketch(
        made=made_cases,
        places=places,
        per_day=per_day,
        suspensions=sum(m.suspension is not None for m in made_cases),
        per_year=Counter(
            (m.guide.region_id, m.result["produced_at"].astimezone(tz).year)
            for m in made_cases
            if m.result is not None
        ),
    )


@dataclass
class _Reserved:
    """What the parent reserved for one chunk under its transaction: the first serial of each counter,
    the primary keys of the cases and suspensions."""

    serials: dict[tuple[int, str, str], int]
    case_ids: list[int]
    suspension_ids: list[int]


def _reserve(sketch: _Sketch) -> _Reserved:
    """The chunk's numbers from the live counters (each advanced once) and its primary keys."""
    counts = {(r, "case", f"{day:%Y%m%d}"): k for (r, day), k in sketch.per_day.items()}
    counts.update({(r, "result", str(year)): k for (r, year), k in sketch.per_year.items()})
    return _Reserved(
        serials=_reserve_serials(counts),
        case_ids=bulk.reserve_ids(Case, len(sketch.made)),
        suspension_ids=bulk.reserve_ids(Suspension, sketch.suspensions),
    )


@dataclass
class _Payload:
    """A finished chunk: the rows of its tables (tuples, or COPY text from a worker), the audit entries
    to chain (region code, case number, status, version) and its tallies."""

    batches: list[tuple]
    audit: list[tuple[str, str, str, int]]
    tally: Counter

    def all_batches(self, chainer: audit.Chainer) -> list[tuple]:
        """The table batches plus the audit entries, sealed now, in the order written (one a case)."""
        rows = chainer.rows(
            {
                "action": "cases.generated",
                "region": region,
                "object_type": "cases.case",
                "object_id": number,
                "detail": {"number": number, "status": status, "version": version},
            }
            for region, number, status, version in self.audit
        )
        return [*self.batches, (AuditEntry, audit.SEALED_FIELDS, rows)]


def _finish_chunk(
    sketch: _Sketch, world: _World, reserved: _Reserved, *, copy_text: bool = False
) -> _Payload:
    """Phase 2, without the database: numbers, result contents and hashes, the rows of every table
    (`copy_text`: in PostgreSQL's COPY text, made here)."""
    made_cases = sketch.made
    serials = reserved.serials
    for made, case_id, (day, place) in zip(made_cases, reserved.case_ids, sketch.places, strict=True):
        guide = made.guide
        serial = serials[(guide.region_id, "case", f"{day:%Y%m%d}")] + place
        made.case.update(id=case_id, number=case_number(guide.region, day, serial))
    _number_records(made_cases, world, reserved)
    tally = Counter(m.case["status"] for m in made_cases)
    tally["cases"] = len(made_cases)
    tally["events"] = sum(len(m.events) for m in made_cases)
    tally["suspensions"] = sketch.suspensions
    tally["extensions"] = sum(m.extension is not None for m in made_cases)
    tally["results"] = sum(m.result is not None for m in made_cases)
    return _Payload(
        batches=_copy_batches(made_cases) if copy_text else _batches(made_cases),
        audit=[
            (m.guide.region_code, m.case["number"], m.case["status"], m.case["version"]) for m in made_cases
        ],
        tally=tally,
    )


def _number_records(made_cases: list[_Made], world: _World, reserved: _Reserved) -> None:
    """Suspension ids and result numbers (the live yearly counters), then each result's fixed content."""
    suspensions = [m for m in made_cases if m.suspension is not None]
    for made, pk in zip(suspensions, reserved.suspension_ids, strict=True):
        made.suspension["id"] = pk
        for step in (made.suspension["start"], made.suspension["end"]):
            step.data["suspension"] = pk
    with_result = [m for m in made_cases if m.result is not None]
    tz = timezone.get_default_timezone()
    next_serial = {
        (r, int(year)): first for (r, scope, year), first in reserved.serials.items() if scope == "result"
    }
    templates = world.result_templates
    for made in with_result:
        result = made.result
        guide = made.guide
        year = result["produced_at"].astimezone(tz).year
        serial = next_serial[(guide.region_id, year)]
        next_serial[(guide.region_id, year)] = serial + 1
        number = f"{guide.region_code}-{year}-{serial:06d}"
        code = codes.new_verification_code()
        case = made.case
        key = (
            guide.guide_id,
            case["decision"],
            case["authority_id"],
            result["seal"].pk,
            case["decided_department_id"],
            made.decider.id if made.decider else None,
        )
        template = templates.get(key)
        if template is None:
            template = templates[key] = _result_template(made, world)
        applicant = made.applicant
        values = [
            number,
            code,
            case["number"],
            applicant.kind,
            applicant.name,
            applicant.masked,
            case["accepted_at"].isoformat(),
            case["decided_at"].isoformat(),
            result["produced_at"].isoformat(),
        ]
        if case["decision"] == Decision.GRANT:
            particulars = case.get("result_particulars") or {}
            values += [particulars[c] for c in template.particulars if particulars.get(c)]
        # The result service's canonical text (json.dumps, sorted keys) with this case's values; hashed
        # as the service hashes it, and stored as it is.
        canonical = template.fill(values)
        content_hash = audit.sm3_hex(canonical.encode("utf-8"))
        result.update(number=number, code=code, content=canonical, hash=content_hash)
        made.result_step.data.update(result=number, hash=content_hash)


_SENTINEL = re.compile(r'"\ue000(\d+)\ue001"')
_enc = json.encoder.encode_basestring  # json.dumps(ensure_ascii=False)'s string writer


@dataclass
class _ResultTemplate:
    """The canonical text of a result's content split around the values that change from case to case."""

    parts: list[str]
    slots: list[int]
    particulars: list[str]

    def fill(self, values: list[str]) -> str:
        out = [self.parts[0]]
        for slot, part in zip(self.slots, self.parts[1:], strict=True):
            out.append(_enc(values[slot]))
            out.append(part)
        return "".join(out)


def _result_template(made: _Made, world: _World) -> _ResultTemplate:
    """The result service's own content (`_result_content`) for this kind of case (sub-item, decision,
    authority, seal, department, decider), with markers where each case's values go."""
    case, guide, result = made.case, made.guide, made.result

    def mark(i: int) -> str:
        return f"\ue000{i}\ue001"

    granted = case["decision"] == Decision.GRANT
    particulars = case.get("result_particulars") or {}
    codes_ = [f["code"] for f in guide.result_fields if granted and particulars.get(f["code"])]
    shown = SimpleNamespace(
        number=case["number"],
        subitem=guide.shown_subitem,
        guide=guide.shown_guide,
        applicant_kind=made.applicant.kind,
        applicant_name=made.applicant.name,
        applicant_id_number=made.applicant.id_number,
        result_particulars=particulars,
        decision=case["decision"],
        decision_reason=case["decision_reason"],
        authority=world.shown[case["authority_id"]],
        accepted_at=case["accepted_at"],
        decided_at=case["decided_at"],
        decided_by=made.decider,
        decided_department_id=case["decided_department_id"],
        decided_department=world.shown.get(case["decided_department_id"]),
    )
    content = {
        **_result_content(
            shown,
            number="",
            code="",
            seal=world.shown_seals[result["seal"].pk],
            at=result["produced_at"],
        ),
        "synthetic": True,
    }
    content.update(
        number=mark(0),
        verification_code=mark(1),
        case_number=mark(2),
        applicant={"kind": mark(3), "name": mark(4), "id_number": mark(5)},
        accepted_at=mark(6),
        decided_at=mark(7),
        produced_at=mark(8),
    )
    if len(content["particulars"]) != len(codes_):
        raise RuntimeError("the result content's particulars changed shape: update the generator")
    for n, item in enumerate(content["particulars"]):
        item["value"] = mark(9 + n)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    pieces = _SENTINEL.split(canonical)
    return _ResultTemplate(parts=pieces[0::2], slots=[int(i) for i in pieces[1::2]], particulars=codes_)


def _case_row(made: _Made) -> tuple:
    c = made.case
    g = made.guide
    a = made.applicant
    first = made.events[0].actor
    get = c.get
    return (
        c["id"],
        g.region_id,
        c["number"],
        c["status"],
        c["version"],
        get("closure", ""),
        g.subitem_id,
        g.guide_id,
        first.window_id,
        first.id,
        c["received_at"],
        "",
        "",
        a.kind,
        a.name,
        a.id_cipher,
        a.phone_cipher,
        a.digest,
        g.required_json if c["materials"] is g.required else _JSON(c["materials"]),
        _JSON(c["missing_materials"]) if c["missing_materials"] else "[]",
        "",
        "[]",
        "",
        None,
        get("authority_id"),
        get("accepted_by_id"),
        get("accepted_at"),
        get("due_date"),
        get("due_provisional", False),
        get("claimed_by_id"),
        get("decision", ""),
        get("decision_reason", ""),
        _JSON(particulars) if (particulars := get("result_particulars")) else "{}",
        get("decided_at"),
        get("decided_by_id"),
        get("decided_department_id"),
        get("issue_due_date"),
        get("issued_at"),
        get("issued_by_id"),
        get("issue_method", ""),
        get("issue_recipient", ""),
        get("issue_recipient_kind", ""),
        "",
        get("issue_address", ""),
        get("issue_carrier", ""),
        get("issue_tracking_number", ""),
        get("ended_at"),
        c["updated_at"],
    )


def _event_rows(made: _Made):
    case_id = made.case["id"]
    for s in made.events:
        actor = s.actor
        yield (
            case_id,
            s.at,
            s.action,
            actor.id if actor else None,
            actor.username if actor else SYSTEM,
            actor.full_name if actor else "",
            s.role,
            s.organisation_id,
            s.comment,
            s.status,
            _JSON(s.data) if s.data else "{}",
        )


def _batches(made_cases: list[_Made]) -> list[tuple]:
    """(model, fields, rows) of every table the chunk writes but the audit log (rows made as they are read)."""
    return [
        (Case, CASE_FIELDS, (_case_row(m) for m in made_cases)),
        (CaseEvent, EVENT_FIELDS, itertools.chain.from_iterable(_event_rows(m) for m in made_cases)),
        (
            Suspension,
            SUSPENSION_FIELDS,
            (
                (s["id"], m.case["id"], *(s[f] for f in SUSPENSION_FIELDS[2:]))
                for m in made_cases
                if (s := m.suspension) is not None
            ),
        ),
        (
            Extension,
            EXTENSION_FIELDS,
            (
                (m.case["id"], e["days"], e["reason"], e["granted_by_id"], e["granted_at"])
                for m in made_cases
                if (e := m.extension) is not None
            ),
        ),
        (
            Result,
            RESULT_FIELDS,
            (
                (
                    m.case["id"],
                    m.guide.region_id,
                    x["number"],
                    x["code"],
                    m.case["decision"],
                    m.case["authority_id"],
                    x["seal"].pk,
                    x["seal"].name,
                    x["seal"].organisation_id,
                    x["content"],
                    x["hash"],
                    x["produced_at"],
                    x["produced_by_id"],
                    x.get("issued_at"),
                    False,
                    None,
                    "",
                )
                for m in made_cases
                if (x := m.result) is not None
            ),
        ),
    ]


def _copy_batches(made_cases: list[_Made]) -> list[tuple]:
    """`_batches` already in COPY text (for a worker process): the three big tables written line by line
    with the types their columns hold known, the two small ones through `bulk.copy_text`. Held equal to
    `bulk.copy_text` of `_batches` by tests/cases/test_generator.py."""
    case_tail = bulk.copy_tail(Case, CASE_FIELDS)
    event_tail = bulk.copy_tail(CaseEvent, EVENT_FIELDS)
    result_tail = bulk.copy_tail(Result, RESULT_FIELDS)
    cases, events, results = [], [], []
    for made in made_cases:
        cases.append(_case_line(made) + case_tail)
        _event_lines(made, events, event_tail)
        if made.result is not None:
            results.append(_result_line(made) + result_tail)
    small = [batch for batch in _batches(made_cases) if batch[0] in (Suspension, Extension)]
    return [
        (Case, CASE_FIELDS, bulk.CopyText("".join(cases).encode(), len(cases))),
        (CaseEvent, EVENT_FIELDS, bulk.CopyText("".join(events).encode(), len(events))),
        *((model, fields, bulk.copy_text(model, fields, rows)) for model, fields, rows in small),
        (Result, RESULT_FIELDS, bulk.CopyText("".join(results).encode(), len(results))),
    ]


_N = "\\N"  # NULL in COPY text


def _at(moment: dt.datetime | None) -> str:
    return _N if moment is None else moment.isoformat()


def _on(day: dt.date | None) -> str:
    return _N if day is None else day.isoformat()


def _id(pk: int | None) -> str:
    return _N if pk is None else str(pk)


def _case_line(made: _Made) -> str:
    """`_case_row` in COPY text (same columns, same order; strings the generator made need no escape,
    JSON text has its backslashes doubled, text read from the database is escaped)."""
    c = made.case
    g = made.guide
    a = made.applicant
    first = made.events[0].actor
    get = c.get
    materials = g.required_json if c["materials"] is g.required else _JSON(c["materials"])
    missing = _JSON(c["missing_materials"]) if c["missing_materials"] else "[]"
    particulars = _JSON(p) if (p := get("result_particulars")) else "{}"
    return "\t".join(
        (
            str(c["id"]),
            str(g.region_id),
            c["number"],
            c["status"],
            str(c["version"]),
            get("closure", ""),
            str(g.subitem_id),
            str(g.guide_id),
            _id(first.window_id),
            str(first.id),
            c["received_at"].isoformat(),
            "",
            "",
            a.kind,
            bulk.copy_str(a.name),
            a.id_cipher,
            a.phone_cipher,
            a.digest,
            bulk.copy_str(materials),
            bulk.copy_str(missing),
            "",
            "[]",
            "",
            _N,
            _id(get("authority_id")),
            _id(get("accepted_by_id")),
            _at(get("accepted_at")),
            _on(get("due_date")),
            "t" if get("due_provisional", False) else "f",
            _id(get("claimed_by_id")),
            get("decision", ""),
            get("decision_reason", ""),
            bulk.copy_str(particulars),
            _at(get("decided_at")),
            _id(get("decided_by_id")),
            _id(get("decided_department_id")),
            _on(get("issue_due_date")),
            _at(get("issued_at")),
            _id(get("issued_by_id")),
            get("issue_method", ""),
            bulk.copy_str(get("issue_recipient", "")),
            get("issue_recipient_kind", ""),
            "",
            get("issue_address", ""),
            get("issue_carrier", ""),
            get("issue_tracking_number", ""),
            _at(get("ended_at")),
            c["updated_at"].isoformat(),
        )
    )


_SYSTEM_COLUMNS = f"{_N}\t{SYSTEM}\t"  # actor_id, actor_name, actor_full_name of a system step


def _event_lines(made: _Made, out: list[str], tail: str) -> None:
    """`_event_rows` in COPY text, appended to `out`."""
    case_id = made.case["id"]
    for s in made.events:
        actor = s.actor
        data = bulk.copy_str(_JSON(s.data)) if s.data else "{}"
        out.append(
            f"{case_id}\t{s.at.isoformat()}\t{s.action}\t"
            f"{actor.copy_columns if actor else _SYSTEM_COLUMNS}\t{s.role}\t{_id(s.organisation_id)}\t"
            f"{bulk.copy_str(s.comment)}\t{s.status}\t{data}{tail}"
        )


def _result_line(made: _Made) -> str:
    """The result's row of `_batches` in COPY text."""
    x, c = made.result, made.case
    seal = x["seal"]
    return (
        f"{c['id']}\t{made.guide.region_id}\t{x['number']}\t{x['code']}\t{c['decision']}\t"
        f"{c['authority_id']}\t{seal.pk}\t{bulk.copy_str(seal.name)}\t{seal.organisation_id}\t"
        f"{bulk.copy_str(x['content'])}\t{x['hash']}\t{x['produced_at'].isoformat()}\t"
        f"{_id(x['produced_by_id'])}\t{_at(x.get('issued_at'))}\tf\t{_N}\t"
    )


# --------------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------------


def generate(
    n: int,
    *,
    days: int | None = None,
    seed: int | None = None,
    progress=None,
    offline: bool | None = None,
    workers: int | None = None,
) -> Counter:
    """Add `n` synthetic historical cases received over `days` before today (default: about three cases
    per calendar day of history, at least 120 days, at most ten years, never before the first assignment
    or the first calendar year). `progress(done, n)` is called after each chunk. Returns the tallies.

    `offline` (default: from OFFLINE_AT cases on, if at least as many as the cases already stored): the
    whole load in one transaction with the case tables' secondary indexes (and PostgreSQL's foreign keys)
    dropped and built again at the end (core.bulk.indexes_offline) — the tables are locked meanwhile, so
    only for a sample or benchmark database; otherwise each chunk of CHUNK cases commits on its own.

    `workers` (default: one per CPU from WORKERS_AT cases on, else none): processes that simulate and
    format the chunks while this one reserves their numbers, seals their audit entries and writes them.
    Each chunk draws from its own generator seeded with (`seed`, chunk), so a seeded run makes the same
    cases whatever the number of workers."""
    tally = Counter()
    if n <= 0:
        return tally
    rng = random.Random(seed)
    world = _world(rng, n)
    if world is None:
        return tally
    now = clock.now()
    days = days if days is not None else min(max(120, n // 3), 3650)
    reception_days = _days(world, n, days, rng, now)
    if not reception_days:
        return tally
    texts = _Texts()
    sim = _Simulator(world, rng, now, texts)
    if offline is None:
        offline = n >= OFFLINE_AT and n >= Case.objects.count()
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS) if n >= WORKERS_AT else 0
    chunks = [reception_days[start : start + CHUNK] for start in range(0, len(reception_days), CHUNK)]
    # One seed per chunk, drawn now: reproducible from `seed` whichever process makes the chunk.
    chunk_seeds = [rng.getrandbits(64) for _ in chunks]
    done = 0

    def wrote(payload: _Payload) -> None:
        nonlocal done
        tally.update(payload.tally)
        done += payload.tally["cases"]
        if progress is not None:
            progress(done, n)

    with (
        translation.override("zh-hans"),
        _few_collections(),
        _source(world, sim, texts, chunks, chunk_seeds, workers) as source,
    ):
        writer = bulk.Writer()
        if offline:
            # One transaction: the audit chain's head locked (entries sealed as written), the case
            # tables' secondary indexes and foreign keys offline, each chunk copied while the next
            # one's numbers are reserved and it is finished.
            with (
                transaction.atomic(),
                audit.sealing_here() as chainer,
                bulk.indexes_offline(OFFLINE_TABLES),
                writer,
            ):
                bulk.relax_commit()
                source.finish(0, _reserve(source.sketch(0)))
                for i in range(len(chunks)):
                    payload = source.payload(i)
                    sketch = source.sketch(i + 1) if i + 1 < len(chunks) else None
                    writer.wait()  # the connection is ours again
                    if sketch is not None:
                        source.finish(i + 1, _reserve(sketch))
                    writer.submit(payload.all_batches(chainer))
                    wrote(payload)
        else:
            for i in range(len(chunks)):
                with transaction.atomic(), audit.sealing_here() as chainer, writer:
                    bulk.relax_commit()
                    source.finish(i, _reserve(source.sketch(i)))
                    payload = source.payload(i)
                    writer.submit(payload.all_batches(chainer))
                wrote(payload)
    return tally


# --------------------------------------------------------------------------------------------------
# Where the chunks are made: here, or in worker processes
# --------------------------------------------------------------------------------------------------


class _InProcess:
    """The chunks made in this process, one phase at a time when asked (SQLite, small loads)."""

    def __init__(self, world, sim, texts, chunks, chunk_seeds):
        self.world, self.sim, self.texts = world, sim, texts
        self.chunks, self.chunk_seeds = chunks, chunk_seeds
        self.sketches: dict[int, _Sketch] = {}
        self.reserved: dict[int, _Reserved] = {}

    def sketch(self, i: int) -> _Sketch:
        self.sim.rng = random.Random(self.chunk_seeds[i])
        self.sketches[i] = _simulate_chunk(self.sim, self.world, self.chunks[i], self.texts)
        return self.sketches[i]

    def finish(self, i: int, reserved: _Reserved) -> None:
        self.reserved[i] = reserved

    def payload(self, i: int) -> _Payload:
        return _finish_chunk(self.sketches.pop(i), self.world, self.reserved.pop(i))


class _Workers:
    """The chunks made by forked worker processes: chunk i by worker i % len(workers). Each simulates its
    next chunk (phase 1) while its previous one is written; after the parent reserved a chunk's numbers
    it finishes it (phase 2) and sends the rows back already in COPY text on PostgreSQL."""

    def __init__(self, world, sim, texts, chunks, chunk_seeds, count: int):
        context = multiprocessing.get_context("fork")  # the world is inherited, not pickled
        self.chunks = chunks
        self.pipes = []
        self.processes = []
        copy_text = connection.vendor == "postgresql"
        for _n in range(count):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=_worker,
                args=(child_end, world, sim, texts, chunks, chunk_seeds, copy_text),
                name="onewindow-generator",
                daemon=True,
            )
            process.start()
            child_end.close()
            self.pipes.append(parent_end)
            self.processes.append(process)
        for i in range(min(count, len(chunks))):
            self.pipes[i].send(("sketch", i, None))

    def _receive(self, i: int):
        status, value = self.pipes[i % len(self.pipes)].recv()
        if status == "error":
            raise RuntimeError(f"generator worker failed on chunk {i}:\n{value}")
        return value

    def sketch(self, i: int) -> _Sketch:
        return self._receive(i)

    def finish(self, i: int, reserved: _Reserved) -> None:
        pipe = self.pipes[i % len(self.pipes)]
        pipe.send(("finish", i, reserved))
        if i + len(self.pipes) < len(self.chunks):
            pipe.send(("sketch", i + len(self.pipes), None))  # its next chunk, while this one is written

    def payload(self, i: int) -> _Payload:
        return self._receive(i)

    def close(self) -> None:
        for pipe in self.pipes:
            with suppress(OSError):  # a worker that died has closed its end
                pipe.send(None)
            pipe.close()
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()


def _worker(pipe, world, sim, texts, chunks, chunk_seeds, copy_text: bool) -> None:
    """A worker's loop: phase 1 of a chunk (its sketch's counts go back), then phase 2 (its rows go back)."""
    sketches = {}
    with translation.override("zh-hans"), _few_collections():
        while (message := pipe.recv()) is not None:
            kind, i, reserved = message
            try:
                if kind == "sketch":
                    sim.rng = random.Random(chunk_seeds[i])
                    sketch = sketches[i] = _simulate_chunk(sim, world, chunks[i], texts)
                    # Only what the parent reserves with (the cases themselves stay here).
                    answer = _Sketch(
                        [None] * len(sketch.made), [], sketch.per_day, sketch.suspensions, sketch.per_year
                    )
                else:
                    answer = _finish_chunk(sketches.pop(i), world, reserved, copy_text=copy_text)
                    if not copy_text:
                        answer.batches = [
                            (model, fields, list(rows)) for model, fields, rows in answer.batches
                        ]
            except Exception:
                pipe.send(("error", traceback.format_exc()))
                continue
            pipe.send(("ok", answer))


@contextmanager
def _few_collections():
    """A chunk is millions of small objects and few reference cycles: the cyclic garbage collector,
    run at its usual pace, walked them all again and again (a third of the simulation's time). The
    objects already there are left out of its walks and it runs a hundred times less often meanwhile."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 70_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@contextmanager
def _source(world, sim, texts, chunks, chunk_seeds, workers: int):
    source = (
        _Workers(world, sim, texts, chunks, chunk_seeds, workers)
        if workers > 0
        else _InProcess(world, sim, texts, chunks, chunk_seeds)
    )
    try:
        yield source
    finally:
        if isinstance(source, _Workers):
            source.close()


def _plan(
    world: _World, rng: random.Random, days: list[dt.date], sim: _Simulator
) -> list[tuple[dt.date, _Guide]]:
    """A sub-item for each day's case, popular ones more often, implemented by someone that day."""
    picked = rng.choices(world.guides, cum_weights=world.cum_weights, k=len(days))
    plan = []
    for day, guide in zip(days, picked, strict=True):
        for _attempt in range(20):
            if guide.implementer(sim.at(day, 0)) is not None:
                plan.append((day, guide))
                break
            guide = rng.choices(world.guides, cum_weights=world.cum_weights)[0]
    return plan
