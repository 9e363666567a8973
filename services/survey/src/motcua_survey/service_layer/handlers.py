"""Survey's use cases. Each state change and the events announcing it commit together
(the unit of work's transaction stages them in the outbox).

- a returned result opens one ballot (consumer of ResultReturned, once per event and dossier);
- a ballot takes one answer (by the citizen's token, or entered by staff);
- kiosk taps are recorded once per browser-made id, whatever the resends;
- paper ballots come in batches, all or nothing, each paper number once per campaign;
- a complaint or a very low score raises a follow-up for the commune leader;
- feedback and petitions get a code, a due date in working days, an owner and a reply.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Protocol
from uuid import UUID, uuid4

import structlog
from pymongo.errors import DuplicateKeyError

from motcua_contracts import (
    BallotOpened,
    Envelope,
    FeedbackAnswered,
    FeedbackKind,
    FeedbackReceived,
    FollowUpRaised,
    ResultReturned,
    SurveyChannel,
    SurveySubmitted,
    new_envelope,
)
from motcua_runtime.due_dates import WorkingCalendar
from motcua_runtime.unit_of_work import UnitOfWork, apply_once
from motcua_runtime.yearly_calendar import FIRST_YEAR, LAST_YEAR, default_year

from motcua_survey.domain.campaign import Campaign, CampaignKind, check_answered_on, check_new_dates
from motcua_survey.domain.feedback import Feedback, FeedbackAlreadyAnswered, SenderType, new_feedback_code
from motcua_survey.domain.follow_up import FollowUp, follow_up_reason
from motcua_survey.domain.model import AlreadySubmitted, Ballot, BallotError, Rating, SurveyAnswer
from motcua_survey.domain.questions import DEFAULT_QUESTION_SET

SOURCE = "survey"
CONSUMER_RETURNED = "survey-result-returned"
#: How far back a kiosk tap may be dated by the browser (a tablet offline over a weekend).
KIOSK_BACKDATE = timedelta(days=7)

log = structlog.get_logger("motcua.survey")


class BallotNotFound(BallotError):
    code = "ballot_not_found"


class NotFound(Exception):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} {key} not found")
        self.what, self.key = what, key


class CampaignMismatch(Exception):
    """The campaign does not cover this commune (or the answer's channel)."""

    code = "campaign_not_for_commune"


class PaperNumbersTaken(Exception):
    code = "paper_number_taken"

    def __init__(self, numbers: list[str]) -> None:
        super().__init__(", ".join(numbers))
        self.numbers = numbers


@dataclass(frozen=True)
class SurveyPolicy:
    """What a deployment decides (settings): the question set, anonymity, follow-up threshold,
    the reply time of feedback."""

    question_set: str = DEFAULT_QUESTION_SET
    #: Every answer of the deployment is anonymous (no dossier kept with it).
    anonymous: bool = False
    #: An overall score at or below this raises a follow-up.
    low_score_threshold: int = 2
    feedback_due_working_days: int = 10
    utc_offset_hours: int = 7
    #: Public feedback accepted per client address and hour.
    feedback_per_hour: int = 30


@lru_cache(maxsize=8)
def default_calendar(year: int, utc_offset_hours: int = 7) -> WorkingCalendar:
    """The generated yearly calendar of ``year`` and its neighbours. Survey cannot read the
    calendar intake's administrators edit (another service's database): an announced swap
    edited there is not seen here (docs/survey.md)."""
    years = [y for y in (year - 1, year, year + 1) if FIRST_YEAR <= y <= LAST_YEAR]
    calendars = [default_year(y) for y in years]
    off = frozenset().union(*(c.off_days for c in calendars))
    return WorkingCalendar(utc_offset_hours=utc_offset_hours, holidays=off,
                           make_up_days=frozenset().union(*(c.working_weekend_days for c in calendars)) - off,
                           years=frozenset(years))


class BallotRepository(Protocol):
    async def add(self, ballot: Ballot) -> None: ...
    async def get(self, commune_code: str, ballot_id: UUID) -> Ballot | None: ...
    async def get_by_token(self, token: str) -> Ballot | None: ...
    async def get_for_dossier(self, commune_code: str, dossier_id: UUID) -> Ballot | None: ...
    async def mark_submitted(self, ballot: Ballot) -> bool:
        """Store the submission only if the ballot is still open; False when another won."""
        ...


class AnswerRepository(Protocol):
    async def add(self, answer: SurveyAnswer) -> None:
        """Raises DuplicateKeyError for a known id, or a paper number already in the campaign."""
        ...

    async def get(self, answer_id: UUID) -> SurveyAnswer | None: ...
    async def paper_numbers_taken(self, campaign_id: UUID, numbers: list[str]) -> list[str]: ...


class FollowUpRepository(Protocol):
    async def add(self, item: FollowUp) -> None: ...
    async def get(self, commune_code: str, follow_up_id: UUID) -> FollowUp | None: ...
    async def save(self, item: FollowUp) -> None: ...


class FeedbackRepository(Protocol):
    async def add(self, item: Feedback) -> None: ...
    async def get(self, code: str) -> Feedback | None: ...
    async def save(self, item: Feedback, *, unless_answered: bool = True) -> bool: ...


class CampaignRepository(Protocol):
    async def add(self, campaign: Campaign) -> None: ...
    async def get(self, campaign_id: UUID) -> Campaign | None: ...


class SurveyUnitOfWork(UnitOfWork, Protocol):
    ballots: BallotRepository
    answers: AnswerRepository
    follow_ups: FollowUpRepository
    feedback: FeedbackRepository
    campaigns: CampaignRepository


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class SubmitBallot:
    correlation_id: str
    overall: int
    commune_code: str | None = None
    ballot_id: UUID | None = None
    factors: dict[str, int] = field(default_factory=dict)
    comment: str | None = None
    #: The citizen's proof that the ballot is theirs (the token of the link they were sent).
    #: ``None`` when the commune's staff enter it: the entrypoint checked who they are.
    token: str | None = None
    commitments: dict[str, int] = field(default_factory=dict)
    visits: int | None = None
    complaint: bool = False
    anonymous: bool = False


@dataclass(frozen=True)
class KioskTap:
    client_id: UUID
    overall: int
    officer_id: str | None
    tapped_at: datetime | None = None
    procedure_code: str | None = None


@dataclass(frozen=True)
class PaperBallot:
    paper_number: str
    overall: int
    factors: dict[str, int] = field(default_factory=dict)
    commitments: dict[str, int] = field(default_factory=dict)
    visits: int | None = None
    complaint: bool = False
    comment: str | None = None
    procedure_code: str | None = None
    officer_id: str | None = None
    answered_on: date | None = None


@dataclass(frozen=True)
class EnterPaperBatch:
    commune_code: str
    campaign_id: UUID
    team_id: str
    ballots: tuple[PaperBallot, ...]
    correlation_id: str
    channel: SurveyChannel = SurveyChannel.PAPER


@dataclass(frozen=True)
class CreateCampaign:
    name: str
    kind: CampaignKind
    starts_on: date
    ends_on: date
    communes: tuple[str, ...]
    target_sample: int
    channel: SurveyChannel
    created_by: str
    run_by: str | None = None


@dataclass(frozen=True)
class SendFeedback:
    commune_code: str
    kind: FeedbackKind
    content: str
    correlation_id: str
    sender_type: SenderType = SenderType.CITIZEN
    sender_name: str | None = None
    procedure_code: str | None = None
    officer_id: str | None = None
    dossier_code: str | None = None


# --------------------------------------------------------------------------- ballots


async def on_result_returned(
    envelope: Envelope[ResultReturned], uow: SurveyUnitOfWork, *, ttl: timedelta, now: datetime,
    anonymous: bool = False,
) -> bool:
    """Open the dossier's ballot and announce it, once. Returns False for a duplicate event."""
    returned = envelope.data

    async def effect(u: SurveyUnitOfWork) -> None:
        # Second guard beside the processed mark: the same fact under another event id
        # (a re-publication by intake) must not open a second ballot either.
        if await u.ballots.get_for_dossier(envelope.commune_code, returned.dossier_id) is not None:
            log.info("survey.ballot_exists", dossier_code=returned.dossier_code)
            return
        ballot = Ballot.open(
            commune_code=envelope.commune_code, dossier_id=returned.dossier_id, dossier_code=returned.dossier_code,
            procedure_code=returned.procedure_code, officer_id=returned.officer_id, opened_at=now, ttl=ttl,
            field=returned.field, anonymous=anonymous,
        )
        await u.ballots.add(ballot)
        u.emit(new_envelope(
            BallotOpened(ballot_id=ballot.id, dossier_id=ballot.dossier_id, dossier_code=ballot.dossier_code,
                         procedure_code=ballot.procedure_code, officer_id=ballot.officer_id,
                         expires_at=ballot.expires_at),
            source=SOURCE, commune_code=ballot.commune_code, correlation_id=envelope.correlation_id,
            causation_id=str(envelope.event_id), occurred_at=now,
        ))

    return await apply_once(uow, CONSUMER_RETURNED, str(envelope.event_id), effect)


async def submit_ballot(command: SubmitBallot, uow: SurveyUnitOfWork, now: datetime,
                        policy: SurveyPolicy = SurveyPolicy()) -> tuple[Ballot, SurveyAnswer]:
    rating = Rating(overall=command.overall, factors=dict(command.factors), comment=command.comment,
                    commitments=dict(command.commitments), visits=command.visits, complaint=command.complaint,
                    question_set=policy.question_set)
    async with uow:
        if command.ballot_id is not None:
            ballot = await uow.ballots.get(command.commune_code, command.ballot_id)
        else:
            ballot = await uow.ballots.get_by_token(command.token or "")
        if ballot is None or (command.token is not None and not ballot.token_matches(command.token)):
            # A wrong token answers like an unknown ballot: nothing to learn by guessing.
            raise BallotNotFound(str(command.ballot_id or "token"))
        answer = ballot.submit(rating, now, anonymous=command.anonymous or policy.anonymous)
        # Guarded by status "open": of two concurrent submissions only one commits.
        if not await uow.ballots.mark_submitted(ballot):
            raise AlreadySubmitted(str(ballot.id))
        await _record(uow, answer, policy, now, command.correlation_id)
        await uow.commit()
    log.info("survey.ballot_submitted", dossier_code=answer.dossier_code, overall=rating.overall,
             anonymous=answer.anonymous)
    return ballot, answer


async def _record(uow: SurveyUnitOfWork, answer: SurveyAnswer, policy: SurveyPolicy, now: datetime,
                  correlation_id: str) -> FollowUp | None:
    """Store one answer, announce it, and raise its follow-up when it calls for one (same transaction)."""
    await uow.answers.add(answer)
    rating = answer.rating
    uow.emit(new_envelope(
        SurveySubmitted(
            ballot_id=answer.id, dossier_id=answer.dossier_id, dossier_code=answer.dossier_code,
            procedure_code=answer.procedure_code, officer_id=answer.officer_id, overall=rating.overall,
            satisfied=rating.satisfied, factors=dict(rating.factors), submitted_at=answer.submitted_at,
            channel=answer.channel, field=answer.field, campaign_id=answer.campaign_id, team_id=answer.team_id,
            question_set=rating.question_set, commitments=dict(rating.commitments), visits=rating.visits,
            complaint=rating.complaint, anonymous=answer.anonymous,
        ),
        source=SOURCE, commune_code=answer.commune_code, correlation_id=correlation_id, occurred_at=now,
    ))
    reason = follow_up_reason(answer, policy.low_score_threshold)
    if reason is None:
        return None
    item = FollowUp.of(answer, reason, now)
    await uow.follow_ups.add(item)
    uow.emit(new_envelope(
        FollowUpRaised(follow_up_id=item.id, ballot_id=answer.id, reason=str(reason),
                       dossier_code=answer.dossier_code, procedure_code=answer.procedure_code,
                       officer_id=answer.officer_id, raised_at=now),
        source=SOURCE, commune_code=answer.commune_code, correlation_id=correlation_id, occurred_at=now,
    ))
    return item


# --------------------------------------------------------------------------- kiosk


@dataclass
class KioskResult:
    recorded: list[UUID] = field(default_factory=list)
    duplicates: list[UUID] = field(default_factory=list)


async def record_kiosk_taps(commune_code: str, taps: list[KioskTap], uow_factory: "UowFactory", now: datetime,
                            policy: SurveyPolicy, correlation_id: str, retry=None) -> KioskResult:
    """Each tap once, by the id its browser made: a resend after a lost answer, or the queue
    flushed twice, finds the answer and counts nothing. Ratings are checked before anything
    is written, so a bad tap refuses the request and stores nothing."""
    ratings = [Rating(overall=t.overall, question_set=policy.question_set) for t in taps]
    result = KioskResult()
    for tap, rating in zip(taps, ratings):
        tapped_at = tap.tapped_at if tap.tapped_at and now - KIOSK_BACKDATE <= tap.tapped_at <= now else now

        async def once(tap=tap, rating=rating, tapped_at=tapped_at) -> bool:
            uow = uow_factory()
            try:
                async with uow:
                    if await uow.answers.get(tap.client_id) is not None:
                        return False
                    answer = SurveyAnswer(id=tap.client_id, commune_code=commune_code, channel=SurveyChannel.KIOSK,
                                          rating=rating, submitted_at=tapped_at, officer_id=tap.officer_id,
                                          procedure_code=tap.procedure_code, anonymous=True)
                    await _record(uow, answer, policy, now, correlation_id)
                    await uow.commit()
                    return True
            except DuplicateKeyError:
                return False  # a concurrent resend of the same tap won

        recorded = await (retry(once) if retry else once())
        (result.recorded if recorded else result.duplicates).append(tap.client_id)
    return result


# --------------------------------------------------------------------------- paper


async def enter_paper_batch(command: EnterPaperBatch, uow: SurveyUnitOfWork, now: datetime,
                            policy: SurveyPolicy) -> list[SurveyAnswer]:
    """All the batch or nothing. A paper number already entered in the campaign (by anyone,
    or twice in this batch) refuses the batch, naming the numbers."""
    numbers = [b.paper_number for b in command.ballots]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:
        raise PaperNumbersTaken(twice)
    try:
        return await _enter_paper_batch(command, uow, now, policy, numbers)
    except DuplicateKeyError as error:  # another batch took a number since we looked
        raise PaperNumbersTaken(numbers) from error


async def _enter_paper_batch(command: EnterPaperBatch, uow: SurveyUnitOfWork, now: datetime,
                             policy: SurveyPolicy, numbers: list[str]) -> list[SurveyAnswer]:
    async with uow:
        campaign = await uow.campaigns.get(command.campaign_id)
        if campaign is None:
            raise NotFound("campaign", str(command.campaign_id))
        if not campaign.covers(command.commune_code):
            raise CampaignMismatch(command.commune_code)
        taken = await uow.answers.paper_numbers_taken(campaign.id, numbers)
        if taken:
            raise PaperNumbersTaken(taken)
        answers = []
        for paper in command.ballots:
            rating = Rating(overall=paper.overall, factors=dict(paper.factors), comment=paper.comment,
                            commitments=dict(paper.commitments), visits=paper.visits, complaint=paper.complaint,
                            question_set=campaign.question_set)
            answered_at = now
            if paper.answered_on is not None:
                today = (now + timedelta(hours=policy.utc_offset_hours)).date()
                check_answered_on(campaign, paper.answered_on, today)
                answered_at = datetime.combine(paper.answered_on, datetime.min.time(), tzinfo=now.tzinfo) + \
                    timedelta(hours=12 - policy.utc_offset_hours)  # noon local time of that day
            answer = SurveyAnswer(id=uuid4(), commune_code=command.commune_code, channel=command.channel,
                                  rating=rating, submitted_at=answered_at, procedure_code=paper.procedure_code,
                                  officer_id=paper.officer_id, campaign_id=campaign.id, team_id=command.team_id,
                                  paper_number=paper.paper_number, anonymous=True)
            await _record(uow, answer, policy, now, command.correlation_id)
            answers.append(answer)
        await uow.commit()
    log.info("survey.paper_batch", campaign_id=str(campaign.id), team_id=command.team_id, count=len(answers))
    return answers


# --------------------------------------------------------------------------- follow-ups and campaigns


async def resolve_follow_up(commune_code: str, follow_up_id: UUID, resolution: str, by: str,
                            uow: SurveyUnitOfWork, now: datetime) -> FollowUp:
    async with uow:
        item = await uow.follow_ups.get(commune_code, follow_up_id)
        if item is None:
            raise NotFound("follow_up", str(follow_up_id))
        item.resolve(resolution, by, now)
        await uow.follow_ups.save(item)
        await uow.commit()
    return item


async def create_campaign(command: CreateCampaign, uow: SurveyUnitOfWork, now: datetime,
                          policy: SurveyPolicy) -> Campaign:
    check_new_dates(command.starts_on, command.ends_on)
    campaign = Campaign(name=command.name, kind=command.kind, starts_on=command.starts_on, ends_on=command.ends_on,
                        communes=tuple(dict.fromkeys(command.communes)), target_sample=command.target_sample,
                        channel=command.channel, question_set=policy.question_set, created_at=now,
                        created_by=command.created_by, run_by=command.run_by)
    async with uow:
        await uow.campaigns.add(campaign)
        await uow.commit()
    return campaign


# --------------------------------------------------------------------------- feedback


async def send_feedback(command: SendFeedback, uow_factory: "UowFactory", now: datetime,
                        policy: SurveyPolicy) -> Feedback:
    calendar = default_calendar(now.year, policy.utc_offset_hours)
    due_at = calendar.appointment(now, policy.feedback_due_working_days)
    for _ in range(5):  # a code already used (about one in 10^11): draw another
        item = Feedback(commune_code=command.commune_code, kind=command.kind, content=command.content,
                        received_at=now, due_at=due_at, code=new_feedback_code(command.kind),
                        sender_type=command.sender_type, sender_name=command.sender_name,
                        procedure_code=command.procedure_code, officer_id=command.officer_id,
                        dossier_code=command.dossier_code)
        try:
            async with uow_factory() as uow:
                await uow.feedback.add(item)
                uow.emit(new_envelope(
                    FeedbackReceived(feedback_id=item.id, feedback_code=item.code, kind=item.kind,
                                     procedure_code=item.procedure_code, officer_id=item.officer_id,
                                     dossier_code=item.dossier_code, received_at=now, due_at=due_at),
                    source=SOURCE, commune_code=item.commune_code, correlation_id=command.correlation_id,
                    occurred_at=now))
                await uow.commit()
            log.info("survey.feedback_received", feedback_code=item.code, kind=str(item.kind))
            return item
        except DuplicateKeyError:
            continue
    raise RuntimeError("could not draw a free feedback code")


async def _feedback_of_commune(uow: SurveyUnitOfWork, commune_code: str, code: str) -> Feedback:
    item = await uow.feedback.get(code)
    if item is None or item.commune_code != commune_code:
        raise NotFound("feedback", code)
    return item


async def assign_feedback(commune_code: str, code: str, owner: str, uow: SurveyUnitOfWork) -> Feedback:
    async with uow:
        item = await _feedback_of_commune(uow, commune_code, code)
        item.assign(owner)
        if not await uow.feedback.save(item):
            raise FeedbackAlreadyAnswered(code)
        await uow.commit()
    return item


async def answer_feedback(commune_code: str, code: str, reply: str, by: str, uow: SurveyUnitOfWork,
                          now: datetime, correlation_id: str) -> Feedback:
    async with uow:
        item = await _feedback_of_commune(uow, commune_code, code)
        item.answer(reply, by, now)
        if not await uow.feedback.save(item):
            raise FeedbackAlreadyAnswered(code)
        uow.emit(new_envelope(
            FeedbackAnswered(feedback_id=item.id, feedback_code=item.code, kind=item.kind,
                             procedure_code=item.procedure_code, officer_id=item.officer_id,
                             received_at=item.received_at, due_at=item.due_at, answered_at=now,
                             on_time=bool(item.answered_on_time)),
            source=SOURCE, commune_code=item.commune_code, correlation_id=correlation_id, occurred_at=now))
        await uow.commit()
    log.info("survey.feedback_answered", feedback_code=item.code, on_time=item.answered_on_time)
    return item


UowFactory = Callable[[], SurveyUnitOfWork]
