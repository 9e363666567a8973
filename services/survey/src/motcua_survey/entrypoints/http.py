"""HTTP API of survey: ballots, answers, the kiosk, paper batches, follow-ups, campaigns,
feedback. Translates requests into commands; nothing more."""

import hashlib
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pymongo.asynchronous.database import AsyncDatabase

from motcua_contracts import CommuneCode, FeedbackKind, SurveyChannel
from motcua_runtime.clock import utc_now
from motcua_runtime.errors import UserFacingError
from motcua_runtime.unit_of_work import retry_transient

from motcua_survey.adapters import repository as queries
from motcua_survey.domain.campaign import (
    AnsweredOutsideCampaign,
    Campaign,
    CampaignKind,
    InvalidCampaign,
    Tally,
    compare,
    progress,
)
from motcua_survey.domain.feedback import MAX_CONTENT, Feedback, FeedbackAlreadyAnswered, FeedbackStatus, SenderType
from motcua_survey.domain.follow_up import FollowUp, FollowUpAlreadyResolved, FollowUpStatus
from motcua_survey.domain.model import (
    MAX_COMMENT,
    AlreadySubmitted,
    Ballot,
    BallotExpired,
    BallotStatus,
    InvalidRating,
    SurveyAnswer,
)
from motcua_survey.domain.questions import question_set
from motcua_survey.service_layer import handlers

CommunePath = Annotated[CommuneCode, Path(description="Commune (tenant) code")]
Score = Annotated[int, Field(ge=1, le=5, strict=True)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_COMMENT)]


# --------------------------------------------------------------------------- errors


def not_found(what: str = "ballot") -> UserFacingError:
    texts = {
        "ballot": ("Không tìm thấy phiếu đánh giá này của xã/phường.", "No such ballot in this commune."),
        "campaign": ("Không tìm thấy đợt khảo sát này.", "No such survey campaign."),
        "follow_up": ("Không tìm thấy việc cần xử lý này của xã/phường.", "No such follow-up in this commune."),
        "feedback": ("Không tìm thấy phản ánh, kiến nghị có mã này.", "No feedback or petition with this code."),
    }
    vi, en = texts.get(what, texts["ballot"])
    return UserFacingError(404, f"{what}_not_found", vi, en)


def already_submitted() -> UserFacingError:
    return UserFacingError(409, AlreadySubmitted.code,
                           "Phiếu đánh giá này đã được gửi trước đó. Cảm ơn ông/bà đã đánh giá.",
                           "This ballot has already been submitted. Thank you for your feedback.")


def expired() -> UserFacingError:
    return UserFacingError(410, BallotExpired.code,
                           "Phiếu đánh giá này đã hết hạn nên không thể gửi được nữa. Cảm ơn ông/bà đã quan tâm.",
                           "This ballot has expired and can no longer be submitted. Thank you for your interest.")


def invalid_rating(error: InvalidRating) -> UserFacingError:
    if str(error).startswith("unknown question"):
        return UserFacingError(422, "unknown_question",
                               f"Câu hỏi không có trong bộ câu hỏi đánh giá: {error.field_name}.",
                               f"The question is not in the question set: {error.field_name}.")
    return UserFacingError(422, InvalidRating.code,
                           f"Điểm đánh giá không hợp lệ ({error.field_name}): mỗi tiêu chí được chấm từ 1 đến 5.",
                           f"The rating is not valid ({error.field_name}): each criterion is scored from 1 to 5.")


def translate(error: Exception) -> UserFacingError:
    """A domain or handler refusal as the user reads it."""
    match error:
        case handlers.BallotNotFound():
            return not_found("ballot")
        case handlers.NotFound(what=what):
            return not_found(what)
        case AlreadySubmitted():
            return already_submitted()
        case BallotExpired():
            return expired()
        case InvalidRating():
            return invalid_rating(error)
        case handlers.PaperNumbersTaken(numbers=numbers):
            shown = ", ".join(numbers[:20])
            return UserFacingError(409, "paper_number_taken",
                                   f"Số phiếu đã được nhập trong đợt khảo sát này (hoặc lặp lại trong lô): {shown}. "
                                   "Không lưu phiếu nào của lô; hãy bỏ các phiếu trùng rồi gửi lại.",
                                   f"Paper number already entered in this campaign (or twice in the batch): {shown}. "
                                   "Nothing of the batch was stored; remove the duplicates and send it again.")
        case handlers.CampaignMismatch():
            return UserFacingError(422, "campaign_not_for_commune",
                                   "Đợt khảo sát này không bao gồm xã/phường này.",
                                   "This campaign does not cover this commune.")
        case AnsweredOutsideCampaign(day=day, first=first, last=last):
            return UserFacingError(422, error.code,
                                   f"Ngày trả lời phiếu {day:%d/%m/%Y} nằm ngoài đợt khảo sát: phiếu giấy phải được "
                                   f"trả lời từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}. Không lưu phiếu nào của lô.",
                                   f"The answer day {day} is outside the campaign: paper ballots are answered from "
                                   f"{first} to {last}. Nothing of the batch was stored.")
        case InvalidCampaign():
            return UserFacingError(422, "invalid_campaign", f"Đợt khảo sát không hợp lệ: {error.message_vi or error}.",
                                   f"The campaign is not valid: {error}.")
        case FollowUpAlreadyResolved():
            return UserFacingError(409, error.code, "Việc này đã được xử lý xong trước đó.",
                                   "This follow-up was already resolved.")
        case FeedbackAlreadyAnswered():
            return UserFacingError(409, error.code, "Phản ánh, kiến nghị này đã được trả lời.",
                                   "This feedback or petition has already been answered.")
    raise error


async def run(operation):
    """Run a use case, retrying MongoDB's transient conflicts; refusals become 4xx."""
    try:
        return await retry_transient(operation)
    except (handlers.BallotNotFound, handlers.NotFound, AlreadySubmitted, BallotExpired, InvalidRating,
            handlers.PaperNumbersTaken, handlers.CampaignMismatch, InvalidCampaign, AnsweredOutsideCampaign,
            FollowUpAlreadyResolved, FeedbackAlreadyAnswered) as error:
        raise translate(error) from None


def parse_uuid(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise not_found(what) from None


# --------------------------------------------------------------------------- models


class AnswersIn(BaseModel):
    """The questions of the deployment's question set (GET /v1/questions)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    overall: Score = Field(description="Overall rating, 1 (very unsatisfied) to 5 (very satisfied).")
    factors: dict[str, Score] | None = Field(
        default=None, description="SIPAS factors rated 1..5: access, procedure, officer, result, feedback.")
    commitments: dict[str, Score] | None = Field(
        default=None, description="Officers' commitments rated 1..5: five_knows, three_nos, four_shows.")
    visits: int | None = Field(default=None, ge=1, le=20, description="How many times the citizen had to come.")
    complaint: bool = Field(default=False, description="The citizen wants to complain (raises a follow-up).")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class SubmissionIn(AnswersIn):
    token: str | None = Field(
        default=None, max_length=64,
        description="The ballot's token from the citizen's link: required without a sign-in of the commune's "
                    "staff or survey team (who enter paper ballots).")
    anonymous: bool = Field(default=False, description="Keep the answer without the dossier (anonymous).")


class PublicSubmissionIn(AnswersIn):
    anonymous: bool = Field(default=False, description="Keep the answer without the dossier (anonymous).")


class BallotOut(BaseModel):
    ballot_id: str
    dossier_code: str
    procedure_code: str
    officer_id: str | None
    status: BallotStatus
    token: str
    link: str = Field(description="The one-time link printed (as a QR code) on the return slip and sent by SMS.")
    opened_at: datetime
    expires_at: datetime
    submitted_at: datetime | None
    anonymous: bool

    @classmethod
    def of(cls, ballot: Ballot, now: datetime, base_url: str) -> "BallotOut":
        return cls(ballot_id=str(ballot.id), dossier_code=ballot.dossier_code, procedure_code=ballot.procedure_code,
                   officer_id=ballot.officer_id, status=ballot.status_at(now), token=ballot.token,
                   link=f"{base_url}/p/{ballot.token}", opened_at=ballot.opened_at, expires_at=ballot.expires_at,
                   submitted_at=ballot.submitted_at, anonymous=ballot.anonymous)


class BallotPage(BaseModel):
    items: list[BallotOut]


class PublicBallotOut(BaseModel):
    """What the holder of a ballot's token sees before answering (nothing about the dossier)."""

    status: BallotStatus
    procedure_code: str
    expires_at: datetime
    question_set: str = Field(description="The questions to answer (GET /v1/questions)")


class AnswerOut(BaseModel):
    answer_id: str
    ballot_id: str = Field(description="The same id (kept for the ballot API's callers).")
    channel: SurveyChannel
    dossier_code: str | None
    procedure_code: str | None
    officer_id: str | None
    overall: int
    satisfied: bool
    factors: dict[str, int]
    commitments: dict[str, int]
    visits: int | None
    complaint: bool
    comment: str | None
    question_set: str
    campaign_id: str | None
    team_id: str | None
    paper_number: str | None
    anonymous: bool
    submitted_at: datetime

    @classmethod
    def of(cls, a: SurveyAnswer) -> "AnswerOut":
        r = a.rating
        return cls(answer_id=str(a.id), ballot_id=str(a.id), channel=a.channel, dossier_code=a.dossier_code,
                   procedure_code=a.procedure_code, officer_id=a.officer_id, overall=r.overall,
                   satisfied=r.satisfied, factors=r.factors, commitments=r.commitments, visits=r.visits,
                   complaint=r.complaint, comment=r.comment, question_set=r.question_set,
                   campaign_id=str(a.campaign_id) if a.campaign_id else None, team_id=a.team_id,
                   paper_number=a.paper_number, anonymous=a.anonymous, submitted_at=a.submitted_at)


class SubmissionOut(AnswerOut):
    pass


class AnswerPage(BaseModel):
    items: list[AnswerOut]


class TallyOut(BaseModel):
    answers: int
    satisfied: int
    satisfaction_rate: float | None
    factor_means: dict[str, float] = {}

    @classmethod
    def of(cls, t: Tally) -> "TallyOut":
        return cls(answers=t.answers, satisfied=t.satisfied, satisfaction_rate=t.satisfaction_rate,
                   factor_means=t.factor_means)


class SatisfactionOut(BaseModel):
    commune_code: str
    question_set: str
    total: TallyOut
    by_channel: dict[str, TallyOut]


class QuestionOut(BaseModel):
    key: str
    text_vi: str
    text_en: str


class QuestionSetOut(BaseModel):
    id: str
    scale: dict[int, str]
    overall: QuestionOut
    factors: list[QuestionOut]
    commitments: list[QuestionOut]


class KioskTapIn(BaseModel):
    client_id: UUID = Field(description="Made by the kiosk's browser once per tap: a resend is the same tap.")
    overall: Score
    officer_id: str | None = Field(default=None, max_length=64, description="The officer who just served.")
    procedure_code: str | None = Field(default=None, max_length=64)
    tapped_at: datetime | None = Field(default=None, description="When the citizen tapped (the tablet's clock); "
                                                                 "without an offset it is local time.")


class KioskIn(BaseModel):
    taps: list[KioskTapIn] = Field(min_length=1, max_length=500)


class KioskOut(BaseModel):
    recorded: list[str]
    duplicates: list[str] = Field(description="Taps already recorded (a resend): counted once, not again.")


class PaperBallotIn(AnswersIn):
    paper_number: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._/-]+$",
                              description="The number printed on the paper ballot.")
    procedure_code: str | None = Field(default=None, max_length=64)
    officer_id: str | None = Field(default=None, max_length=64)
    answered_on: date | None = None


class PaperBatchIn(BaseModel):
    campaign_id: UUID
    team_id: str | None = Field(default=None, max_length=64,
                                description="Survey team (mass organisation); default: the signed-in member.")
    channel: Literal["paper", "phone", "in_person"] = "paper"
    ballots: list[PaperBallotIn] = Field(min_length=1, max_length=1000)


class PaperBatchOut(BaseModel):
    campaign_id: str
    team_id: str
    entered: int
    answer_ids: list[str]


class FollowUpOut(BaseModel):
    follow_up_id: str
    answer_id: str
    reason: str
    status: FollowUpStatus
    overall: int
    channel: str
    procedure_code: str | None
    officer_id: str | None
    dossier_code: str | None
    comment: str | None
    raised_at: datetime
    resolution: str | None
    resolved_by: str | None
    resolved_at: datetime | None

    @classmethod
    def of(cls, f: FollowUp) -> "FollowUpOut":
        return cls(follow_up_id=str(f.id), answer_id=str(f.answer_id), reason=str(f.reason), status=f.status,
                   overall=f.overall, channel=f.channel, procedure_code=f.procedure_code, officer_id=f.officer_id,
                   dossier_code=f.dossier_code, comment=f.comment, raised_at=f.raised_at, resolution=f.resolution,
                   resolved_by=f.resolved_by, resolved_at=f.resolved_at)


class FollowUpPage(BaseModel):
    items: list[FollowUpOut]


class ResolutionIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    resolution: Text = Field(description="What the leader did (called the citizen, met the officer…).")


class CampaignIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    name: str = Field(min_length=3, max_length=200)
    kind: CampaignKind = CampaignKind.OTHER
    starts_on: date
    ends_on: date
    communes: list[CommuneCode] = Field(min_length=1, max_length=500)
    target_sample: int = Field(ge=1, le=1_000_000)
    channel: Literal["phone", "in_person", "online", "paper"]
    run_by: str | None = Field(default=None, max_length=200)


class CampaignOut(BaseModel):
    campaign_id: str
    name: str
    kind: CampaignKind
    starts_on: date
    ends_on: date
    communes: list[str]
    target_sample: int
    channel: SurveyChannel
    question_set: str
    run_by: str | None

    @classmethod
    def of(cls, c: Campaign) -> "CampaignOut":
        return cls(campaign_id=str(c.id), name=c.name, kind=c.kind, starts_on=c.starts_on, ends_on=c.ends_on,
                   communes=list(c.communes), target_sample=c.target_sample, channel=c.channel,
                   question_set=c.question_set, run_by=c.run_by)


class CampaignList(BaseModel):
    items: list[CampaignOut]


class CampaignProgressOut(CampaignOut):
    answers: int
    satisfied: int
    satisfaction_rate: float | None
    progress: float = Field(description="Answers / target sample (1.0 = target reached).")
    factor_means: dict[str, float]
    by_commune: dict[str, TallyOut]


class ComparisonOut(BaseModel):
    before: CampaignProgressOut
    after: CampaignProgressOut
    comparable: bool = Field(description="Both used the same question set: factor means compare.")
    satisfaction_rate_change_points: float | None
    factor_mean_change: dict[str, float | None]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    commune_code: CommuneCode
    kind: FeedbackKind = FeedbackKind.FEEDBACK
    content: str = Field(min_length=5, max_length=MAX_CONTENT)
    sender_type: SenderType = SenderType.CITIZEN
    sender_name: str | None = Field(default=None, max_length=200)
    procedure_code: str | None = Field(default=None, max_length=64)
    officer_id: str | None = Field(default=None, max_length=64)
    dossier_code: str | None = Field(default=None, max_length=64)

    @field_validator("sender_name", "procedure_code", "officer_id", "dossier_code")
    @classmethod
    def empty_is_none(cls, value: str | None) -> str | None:
        return value or None


class FeedbackStatusOut(BaseModel):
    """What anyone holding the code sees."""

    code: str
    kind: FeedbackKind
    status: FeedbackStatus
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None
    late: bool = Field(description="Answered after its due date, or still unanswered past it.")
    reply: str | None

    @classmethod
    def of(cls, f: Feedback, now: datetime) -> "FeedbackStatusOut":
        return cls(code=f.code, kind=f.kind, status=f.status, received_at=f.received_at, due_at=f.due_at,
                   answered_at=f.answered_at, late=f.late(now), reply=f.reply)


class FeedbackOut(FeedbackStatusOut):
    feedback_id: str
    commune_code: str
    content: str
    sender_type: SenderType
    sender_name: str | None
    procedure_code: str | None
    officer_id: str | None
    dossier_code: str | None
    owner: str | None
    answered_by: str | None

    @classmethod
    def of(cls, f: Feedback, now: datetime) -> "FeedbackOut":
        return cls(**FeedbackStatusOut.of(f, now).model_dump(), feedback_id=str(f.id), commune_code=f.commune_code,
                   content=f.content, sender_type=f.sender_type, sender_name=f.sender_name,
                   procedure_code=f.procedure_code, officer_id=f.officer_id, dossier_code=f.dossier_code,
                   owner=f.owner, answered_by=f.answered_by)


class FeedbackPage(BaseModel):
    items: list[FeedbackOut]


class OwnerIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    owner: str = Field(min_length=1, max_length=64, description="User id of the officer who handles it.")


class ReplyIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    reply: str = Field(min_length=1, max_length=MAX_CONTENT)


# --------------------------------------------------------------------------- the service's wiring


class Survey:
    """What the routes and pages need: the unit of work, the database for reads, the policy."""

    def __init__(self, uow_factory: handlers.UowFactory, db: Callable[[], AsyncDatabase],
                 policy: handlers.SurveyPolicy, public_base_url: str = "") -> None:
        self.uow_factory, self.db, self.policy = uow_factory, db, policy
        self.public_base_url = public_base_url.rstrip("/")

    def base_url(self, request: Request) -> str:
        return self.public_base_url or str(request.base_url).rstrip("/")

    async def campaign_progress(self, campaign: Campaign) -> CampaignProgressOut:
        keys = sorted(question_set(campaign.question_set).factor_keys)
        match = {"campaign_id": campaign.id}
        total = await queries.tally(self.db(), match, keys)
        per_commune = await queries.tally_by_commune(self.db(), match)
        return CampaignProgressOut(
            **CampaignOut.of(campaign).model_dump(), answers=total.answers, satisfied=total.satisfied,
            satisfaction_rate=total.satisfaction_rate, progress=progress(campaign, total),
            factor_means=total.factor_means,
            by_commune={c: TallyOut.of(per_commune.get(c, Tally())) for c in campaign.communes})

    async def satisfaction(self, commune_code: str) -> SatisfactionOut:
        keys = sorted(question_set(self.policy.question_set).factor_keys)
        base = {"commune_code": commune_code, "question_set": self.policy.question_set}
        total = await queries.tally(self.db(), base, keys)
        by_channel = {}
        for channel in SurveyChannel:
            t = await queries.tally(self.db(), {**base, "channel": str(channel)}, keys)
            if t.answers:
                by_channel[str(channel)] = TallyOut.of(t)
        return SatisfactionOut(commune_code=commune_code, question_set=self.policy.question_set,
                               total=TallyOut.of(total), by_channel=by_channel)


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def staff_of(request: Request) -> Any:
    return getattr(request.state, "principal", None)


def router(survey: Survey) -> APIRouter:
    api = APIRouter(prefix="/v1")
    db, policy = survey.db, survey.policy

    # ---------------------------------------------------------------- ballots

    @api.get("/questions", response_model=QuestionSetOut, tags=["ballots"],
             summary="The question set this deployment asks (its version is stored with every answer)")
    async def questions() -> QuestionSetOut:
        from motcua_survey.domain.questions import SCALE_VI

        qs = question_set(policy.question_set)
        out = lambda q: QuestionOut(key=q.key, text_vi=q.text_vi, text_en=q.text_en)  # noqa: E731
        return QuestionSetOut(id=qs.id, scale=SCALE_VI, overall=out(qs.overall),
                              factors=[out(q) for q in qs.factors], commitments=[out(q) for q in qs.commitments])

    @api.get("/communes/{commune_code}/ballots", response_model=BallotPage, tags=["ballots"],
             summary="Ballots of a commune, optionally of one dossier or one status")
    async def list_ballots(request: Request, commune_code: CommunePath, dossier_code: str | None = None,
                           status: BallotStatus | None = None,
                           limit: int = Query(50, ge=1, le=500)) -> BallotPage:
        now = utc_now()
        items = await queries.list_ballots(db(), commune_code, now=now, dossier_code=dossier_code, status=status,
                                           limit=limit)
        return BallotPage(items=[BallotOut.of(b, now, survey.base_url(request)) for b in items])

    @api.post("/communes/{commune_code}/ballots/{ballot_id}/submission", status_code=201,
              response_model=SubmissionOut, tags=["ballots"], summary="Submit a ballot's answer (once per ballot)")
    async def submit(commune_code: CommunePath, ballot_id: str, body: SubmissionIn,
                     request: Request) -> SubmissionOut:
        parsed_id = parse_uuid(ballot_id, "ballot")
        # Set by the access rule (entrypoints/access.py): staff of this commune, or None for a
        # citizen, who then proves the ballot is theirs with its token.
        staff = staff_of(request)
        if staff is None and not body.token:
            raise not_found()
        command = handlers.SubmitBallot(
            commune_code=commune_code, ballot_id=parsed_id, correlation_id=request.state.correlation_id,
            token=None if staff is not None else body.token, anonymous=body.anonymous, **_answers(body))
        _, answer = await run(lambda: handlers.submit_ballot(command, survey.uow_factory(), utc_now(), policy))
        return SubmissionOut.of(answer)

    @api.get("/public/ballots/{token}", response_model=PublicBallotOut, tags=["citizens"],
             summary="A ballot by its token: open, submitted or expired")
    async def public_ballot(token: str) -> PublicBallotOut:
        ballot = await queries.find_ballot_by_token(db(), token)
        if ballot is None:
            raise not_found()
        return PublicBallotOut(status=ballot.status_at(utc_now()), procedure_code=ballot.procedure_code,
                               expires_at=ballot.expires_at, question_set=policy.question_set)

    @api.post("/public/ballots/{token}/submission", status_code=201,
              response_model=SubmissionOut, tags=["citizens"], summary="The citizen answers their ballot, once")
    async def public_submit(token: str, body: PublicSubmissionIn, request: Request) -> SubmissionOut:
        command = handlers.SubmitBallot(correlation_id=request.state.correlation_id, token=token,
                                        anonymous=body.anonymous, **_answers(body))
        _, answer = await run(lambda: handlers.submit_ballot(command, survey.uow_factory(), utc_now(), policy))
        return SubmissionOut.of(answer)

    # ---------------------------------------------------------------- answers, kiosk, paper

    @api.get("/communes/{commune_code}/answers", response_model=AnswerPage, tags=["answers"],
             summary="Answers of a commune from every channel, newest first")
    async def list_answers(commune_code: CommunePath, channel: SurveyChannel | None = None,
                           campaign_id: UUID | None = None, limit: int = Query(100, ge=1, le=1000)) -> AnswerPage:
        items = await queries.list_answers(db(), commune_code, channel=channel, campaign_id=campaign_id, limit=limit)
        return AnswerPage(items=[AnswerOut.of(a) for a in items])

    @api.get("/communes/{commune_code}/satisfaction", response_model=SatisfactionOut, tags=["answers"],
             summary="Satisfied of answered (e.g. 548 of 600) on the current question set, by channel")
    async def satisfaction(commune_code: CommunePath) -> SatisfactionOut:
        return await survey.satisfaction(commune_code)

    @api.post("/communes/{commune_code}/kiosk/answers", response_model=KioskOut, tags=["answers"],
              summary="Taps of the counter kiosk; each client_id is counted once, however often it is sent")
    async def kiosk(commune_code: CommunePath, body: KioskIn, request: Request) -> KioskOut:
        staff = staff_of(request)
        local = timezone(timedelta(hours=policy.utc_offset_hours))
        taps = [handlers.KioskTap(client_id=t.client_id, overall=t.overall,
                                  officer_id=t.officer_id or (staff.subject if staff else None),
                                  tapped_at=_aware(t.tapped_at, local), procedure_code=t.procedure_code)
                for t in body.taps]
        try:
            result = await handlers.record_kiosk_taps(commune_code, taps, survey.uow_factory, utc_now(), policy,
                                                      request.state.correlation_id, retry=retry_transient)
        except InvalidRating as error:
            raise invalid_rating(error) from None
        return KioskOut(recorded=[str(i) for i in result.recorded], duplicates=[str(i) for i in result.duplicates])

    @api.post("/communes/{commune_code}/paper-batches", status_code=201, response_model=PaperBatchOut,
              tags=["answers"], summary="A survey team enters a batch of paper ballots (all or nothing)")
    async def paper_batch(commune_code: CommunePath, body: PaperBatchIn, request: Request) -> PaperBatchOut:
        team = body.team_id or staff_of(request).subject
        command = handlers.EnterPaperBatch(
            commune_code=commune_code, campaign_id=body.campaign_id, team_id=team,
            correlation_id=request.state.correlation_id, channel=SurveyChannel(body.channel),
            ballots=tuple(handlers.PaperBallot(paper_number=b.paper_number, procedure_code=b.procedure_code,
                                               officer_id=b.officer_id, answered_on=b.answered_on, **_answers(b))
                          for b in body.ballots))
        answers = await run(lambda: handlers.enter_paper_batch(command, survey.uow_factory(), utc_now(), policy))
        return PaperBatchOut(campaign_id=str(body.campaign_id), team_id=team, entered=len(answers),
                             answer_ids=[str(a.id) for a in answers])

    # ---------------------------------------------------------------- follow-ups

    @api.get("/communes/{commune_code}/follow-ups", response_model=FollowUpPage, tags=["follow-ups"],
             summary="Complaints and very low scores waiting for the commune leader")
    async def follow_ups(commune_code: CommunePath, status: FollowUpStatus | None = None) -> FollowUpPage:
        items = await queries.list_follow_ups(db(), commune_code, status=status)
        return FollowUpPage(items=[FollowUpOut.of(f) for f in items])

    @api.post("/communes/{commune_code}/follow-ups/{follow_up_id}/resolution", response_model=FollowUpOut,
              tags=["follow-ups"], summary="The leader records what was done (once)")
    async def resolve(commune_code: CommunePath, follow_up_id: str, body: ResolutionIn,
                      request: Request) -> FollowUpOut:
        parsed = parse_uuid(follow_up_id, "follow_up")
        by = staff_of(request).subject
        item = await run(lambda: handlers.resolve_follow_up(commune_code, parsed, body.resolution, by,
                                                            survey.uow_factory(), utc_now()))
        return FollowUpOut.of(item)

    # ---------------------------------------------------------------- campaigns

    @api.post("/campaigns", status_code=201, response_model=CampaignOut, tags=["campaigns"],
              summary="Plan a survey campaign (baseline, yearly…)")
    async def create_campaign(body: CampaignIn, request: Request) -> CampaignOut:
        command = handlers.CreateCampaign(
            name=body.name, kind=body.kind, starts_on=body.starts_on, ends_on=body.ends_on,
            communes=tuple(body.communes), target_sample=body.target_sample, channel=SurveyChannel(body.channel),
            created_by=staff_of(request).subject, run_by=body.run_by)
        campaign = await run(lambda: handlers.create_campaign(command, survey.uow_factory(), utc_now(), policy))
        return CampaignOut.of(campaign)

    @api.get("/campaigns", response_model=CampaignList, tags=["campaigns"], summary="Survey campaigns")
    async def campaigns() -> CampaignList:
        return CampaignList(items=[CampaignOut.of(c) for c in await queries.list_campaigns(db())])

    @api.get("/campaigns/comparison", response_model=ComparisonOut, tags=["campaigns"],
             summary="Before/after: two campaigns' satisfaction and factor means side by side")
    async def comparison(before: UUID, after: UUID) -> ComparisonOut:
        return await compare_campaigns(survey, before, after)

    @api.get("/campaigns/{campaign_id}", response_model=CampaignProgressOut, tags=["campaigns"],
             summary="A campaign and its progress against the target sample, by commune")
    async def campaign(campaign_id: str) -> CampaignProgressOut:
        found = await queries.find_campaign(db(), parse_uuid(campaign_id, "campaign"))
        if found is None:
            raise not_found("campaign")
        return await survey.campaign_progress(found)

    # ---------------------------------------------------------------- feedback

    @api.post("/public/feedback", status_code=201, response_model=FeedbackStatusOut,
              tags=["citizens"],
              summary="A citizen or business sends feedback (phản ánh) or a petition (kiến nghị)")
    async def send_feedback(body: FeedbackIn, request: Request) -> FeedbackStatusOut:
        item = await send(survey, body, request.state.correlation_id, client_address(request))
        return FeedbackStatusOut.of(item, utc_now())

    @api.get("/public/feedback/{code}", response_model=FeedbackStatusOut,
             tags=["citizens"], summary="The public status of a feedback item by its code")
    async def feedback_status(code: str) -> FeedbackStatusOut:
        item = await queries.find_feedback(db(), code.strip().upper())
        if item is None:
            raise not_found("feedback")
        return FeedbackStatusOut.of(item, utc_now())

    @api.get("/communes/{commune_code}/feedback", response_model=FeedbackPage, tags=["feedback"],
             summary="Feedback and petitions of a commune, newest first")
    async def list_feedback(commune_code: CommunePath, status: FeedbackStatus | None = None) -> FeedbackPage:
        now = utc_now()
        return FeedbackPage(items=[FeedbackOut.of(f, now) for f in
                                   await queries.list_feedback(db(), commune_code, status=status)])

    @api.get("/communes/{commune_code}/feedback/{code}", response_model=FeedbackOut, tags=["feedback"],
             summary="One feedback item of the commune")
    async def get_feedback(commune_code: CommunePath, code: str) -> FeedbackOut:
        item = await queries.find_feedback(db(), code)
        if item is None or item.commune_code != commune_code:
            raise not_found("feedback")
        return FeedbackOut.of(item, utc_now())

    @api.post("/communes/{commune_code}/feedback/{code}/owner", response_model=FeedbackOut, tags=["feedback"],
              summary="Give the item to the officer who handles it")
    async def assign(commune_code: CommunePath, code: str, body: OwnerIn) -> FeedbackOut:
        item = await run(lambda: handlers.assign_feedback(commune_code, code, body.owner, survey.uow_factory()))
        return FeedbackOut.of(item, utc_now())

    @api.post("/communes/{commune_code}/feedback/{code}/reply", response_model=FeedbackOut, tags=["feedback"],
              summary="Reply (once); the public status shows it, and whether it came late")
    async def reply(commune_code: CommunePath, code: str, body: ReplyIn, request: Request) -> FeedbackOut:
        by = staff_of(request).subject
        item = await run(lambda: handlers.answer_feedback(commune_code, code, body.reply, by, survey.uow_factory(),
                                                          utc_now(), request.state.correlation_id))
        return FeedbackOut.of(item, utc_now())

    return api


def _aware(moment: datetime | None, local: timezone) -> datetime | None:
    """A time without an offset is the deployment's local time (a tablet may send one)."""
    return moment.replace(tzinfo=local) if moment is not None and moment.tzinfo is None else moment


def _answers(body: AnswersIn) -> dict:
    return dict(overall=body.overall, factors=dict(body.factors or {}), commitments=dict(body.commitments or {}),
                visits=body.visits, complaint=body.complaint, comment=body.comment or None)


async def send(survey: Survey, body: FeedbackIn, correlation_id: str, client: str = "") -> Feedback:
    """Take a public feedback item, unless its sender's address has sent too many this hour."""
    address = hashlib.sha256(f"feedback:{client}".encode()).hexdigest()[:32]  # no raw address stored
    if not await queries.feedback_allowed(survey.db(), address, utc_now(), survey.policy.feedback_per_hour):
        raise UserFacingError(429, "too_many_feedback",
                              "Đã nhận quá nhiều phản ánh từ địa chỉ này trong một giờ. Xin ông/bà thử lại sau, "
                              "hoặc liên hệ trực tiếp Bộ phận Một cửa.",
                              "Too many feedback items from this address within an hour. Please try again later "
                              "or contact the one-stop shop.")
    command = handlers.SendFeedback(
        commune_code=body.commune_code, kind=body.kind, content=body.content, correlation_id=correlation_id,
        sender_type=body.sender_type, sender_name=body.sender_name, procedure_code=body.procedure_code,
        officer_id=body.officer_id, dossier_code=body.dossier_code)
    return await run(lambda: handlers.send_feedback(command, survey.uow_factory, utc_now(), survey.policy))


async def compare_campaigns(survey: Survey, before_id: UUID, after_id: UUID) -> ComparisonOut:
    before = await queries.find_campaign(survey.db(), before_id)
    after = await queries.find_campaign(survey.db(), after_id)
    if before is None or after is None:
        raise not_found("campaign")
    b, a = await survey.campaign_progress(before), await survey.campaign_progress(after)
    comparable = before.question_set == after.question_set
    change = compare(Tally(b.answers, b.satisfied, b.factor_means if comparable else {}),
                     Tally(a.answers, a.satisfied, a.factor_means if comparable else {}))
    return ComparisonOut(before=b, after=a, comparable=comparable, **change)
