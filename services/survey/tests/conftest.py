"""Fixtures: in-memory stand-ins for the MongoDB unit of work (same shape, no servers).

Changes are staged and only become visible on commit, like a transaction; leaving
the block without commit drops them.
"""

import copy
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from motcua_contracts import Envelope, ResultReturned, ReturnChannel, Timeliness, new_envelope

from motcua_survey.domain.model import Ballot, BallotStatus, SurveyAnswer


class DuplicateKey(Exception):
    """What the unique index on (commune_code, dossier_id) would raise."""


class FakeBallotRepository:
    def __init__(self, ballots: dict[UUID, Ballot], lose_race: bool = False) -> None:
        self.ballots = ballots
        self.lose_race = lose_race

    async def add(self, ballot: Ballot) -> None:
        if any(b.commune_code == ballot.commune_code and b.dossier_id == ballot.dossier_id
               for b in self.ballots.values()):
            raise DuplicateKey(ballot.dossier_code)
        self.ballots[ballot.id] = copy.deepcopy(ballot)

    async def get(self, commune_code: str, ballot_id: UUID) -> Ballot | None:
        found = self.ballots.get(ballot_id)
        return copy.deepcopy(found) if found and found.commune_code == commune_code else None

    async def get_for_dossier(self, commune_code: str, dossier_id: UUID) -> Ballot | None:
        return next((copy.deepcopy(b) for b in self.ballots.values()
                     if b.commune_code == commune_code and b.dossier_id == dossier_id), None)

    async def get_by_token(self, token: str) -> Ballot | None:
        return next((copy.deepcopy(b) for b in self.ballots.values() if b.token == token), None)

    async def mark_submitted(self, ballot: Ballot) -> bool:
        stored = self.ballots.get(ballot.id)
        if self.lose_race or stored is None or stored.status is not BallotStatus.OPEN:
            return False
        self.ballots[ballot.id] = copy.deepcopy(ballot)
        return True


class FakeAnswerRepository:
    def __init__(self, answers: dict) -> None:
        self.answers = answers

    async def add(self, answer: SurveyAnswer) -> None:
        if answer.id in self.answers:
            raise DuplicateKey(str(answer.id))
        self.answers[answer.id] = copy.deepcopy(answer)

    async def get(self, answer_id: UUID) -> SurveyAnswer | None:
        return copy.deepcopy(self.answers.get(answer_id))


class FakeFollowUpRepository:
    def __init__(self, items: dict) -> None:
        self.items = items

    async def add(self, item) -> None:
        self.items[item.id] = copy.deepcopy(item)

    async def get(self, commune_code: str, follow_up_id: UUID):
        found = self.items.get(follow_up_id)
        return copy.deepcopy(found) if found and found.commune_code == commune_code else None

    async def save(self, item) -> None:
        self.items[item.id] = copy.deepcopy(item)


class FakeSurveyUnitOfWork:
    def __init__(self, lose_race: bool = False) -> None:
        self.ballots_store: dict[UUID, Ballot] = {}
        self.answers_store: dict = {}
        self.follow_ups_store: dict = {}
        self.processed: set[str] = set()
        self.published: list[Envelope] = []
        self.commits = 0
        self.lose_race = lose_race

    async def __aenter__(self) -> "FakeSurveyUnitOfWork":
        self._staged = copy.deepcopy(self.ballots_store)
        self._staged_answers = copy.deepcopy(self.answers_store)
        self._staged_follow_ups = copy.deepcopy(self.follow_ups_store)
        self.answers = FakeAnswerRepository(self._staged_answers)
        self.follow_ups = FakeFollowUpRepository(self._staged_follow_ups)
        self._events: list[Envelope] = []
        self._marks: list[str] = []
        self.ballots = FakeBallotRepository(self._staged, self.lose_race)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._staged, self._events, self._marks = {}, [], []

    def emit(self, envelope: Envelope) -> None:
        self._events.append(envelope)

    async def already_processed(self, consumer: str, event_id: str) -> bool:
        return f"{consumer}:{event_id}" in self.processed

    def mark_processed(self, consumer: str, event_id: str) -> None:
        self._marks.append(f"{consumer}:{event_id}")

    async def commit(self) -> None:
        if any(mark in self.processed for mark in self._marks):
            raise DuplicateKey("processed mark")
        self.processed.update(self._marks)
        self.ballots_store = self._staged
        self.answers_store = self._staged_answers
        self.follow_ups_store = self._staged_follow_ups
        self.published.extend(self._events)
        self.commits += 1

    def events_of(self, event_type: str) -> list[Envelope]:
        return [e for e in self.published if e.event_type == event_type]


def result_returned(
    *, commune_code: str = "26041", dossier_id: UUID | None = None, dossier_code: str = "26041-250101-0001",
    officer_id: str | None = "cb-01", correlation_id: str = "corr-1",
) -> Envelope[ResultReturned]:
    at = datetime(2025, 1, 2, 3, 0, tzinfo=UTC)
    return new_envelope(
        ResultReturned(
            dossier_id=dossier_id or uuid4(),
            dossier_code=dossier_code,
            procedure_code="CT-CHUKY",
            field="chung_thuc",
            received_at=at,
            appointment_at=at,
            returned_at=at,
            timeliness=Timeliness.ON_TIME,
            return_channel=ReturnChannel.COUNTER,
            officer_id=officer_id,
        ),
        source="intake",
        commune_code=commune_code,
        correlation_id=correlation_id,
    )


@pytest.fixture
def uow() -> FakeSurveyUnitOfWork:
    return FakeSurveyUnitOfWork()


@pytest.fixture
def returned():
    """Factory of ResultReturned envelopes from intake."""
    return result_returned
