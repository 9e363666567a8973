from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from motcua_survey.domain.model import AlreadySubmitted, BallotExpired, BallotStatus
from motcua_survey.service_layer import handlers

NOW = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
TTL = timedelta(days=30)


async def open_ballot(uow, returned, **kwargs):
    event = returned(**kwargs)
    assert await handlers.on_result_returned(event, uow, ttl=TTL, now=NOW)
    return event, next(iter(uow.ballots_store.values()))


def submit(ballot, overall=5, *, commune_code=None, factors=None, comment=None):
    return handlers.SubmitBallot(
        commune_code=commune_code or ballot.commune_code, ballot_id=ballot.id, overall=overall,
        factors=factors or {}, comment=comment, correlation_id="corr-submit",
    )


@pytest.mark.asyncio
async def test_result_returned_opens_one_ballot_and_announces_it(uow, returned):
    event, ballot = await open_ballot(uow, returned, officer_id="cb-07")

    assert ballot.dossier_id == event.data.dossier_id
    assert (ballot.commune_code, ballot.dossier_code, ballot.procedure_code, ballot.officer_id) == (
        "26041", event.data.dossier_code, "CT-CHUKY", "cb-07")
    assert ballot.status is BallotStatus.OPEN
    assert ballot.opened_at == NOW and ballot.expires_at == NOW + TTL
    [opened] = uow.events_of("BallotOpened")
    assert opened.source == "survey" and opened.commune_code == "26041"
    assert opened.correlation_id == event.correlation_id
    assert opened.causation_id == str(event.event_id)
    assert opened.data.ballot_id == ballot.id and opened.data.expires_at == ballot.expires_at


@pytest.mark.asyncio
async def test_same_event_twice_opens_one_ballot(uow, returned):
    event = returned()
    assert await handlers.on_result_returned(event, uow, ttl=TTL, now=NOW) is True
    assert await handlers.on_result_returned(event, uow, ttl=TTL, now=NOW + timedelta(seconds=5)) is False
    assert len(uow.ballots_store) == 1
    assert len(uow.events_of("BallotOpened")) == 1


@pytest.mark.asyncio
async def test_same_dossier_under_another_event_id_opens_no_second_ballot(uow, returned):
    dossier_id = uuid4()
    await handlers.on_result_returned(returned(dossier_id=dossier_id), uow, ttl=TTL, now=NOW)
    await handlers.on_result_returned(returned(dossier_id=dossier_id), uow, ttl=TTL, now=NOW)
    assert len(uow.ballots_store) == 1
    assert len(uow.events_of("BallotOpened")) == 1


@pytest.mark.asyncio
async def test_same_dossier_id_in_two_communes_gets_two_ballots(uow, returned):
    dossier_id = uuid4()
    await handlers.on_result_returned(returned(commune_code="26041", dossier_id=dossier_id), uow, ttl=TTL, now=NOW)
    await handlers.on_result_returned(returned(commune_code="26068", dossier_id=dossier_id), uow, ttl=TTL, now=NOW)
    assert sorted(b.commune_code for b in uow.ballots_store.values()) == ["26041", "26068"]


@pytest.mark.asyncio
@pytest.mark.parametrize("overall, satisfied", [(3, False), (4, True)])
async def test_submission_marks_ballot_and_emits_survey_submitted(uow, returned, overall, satisfied):
    _, ballot = await open_ballot(uow, returned)
    at = NOW + timedelta(days=2)

    _, result = await handlers.submit_ballot(
        submit(ballot, overall, factors={"officer": 5, "procedure": 3}, comment="Cán bộ tận tình"), uow, at)

    stored = uow.ballots_store[ballot.id]
    assert stored.status is BallotStatus.SUBMITTED and stored.submitted_at == at
    assert stored.rating.overall == overall and stored.rating.comment == "Cán bộ tận tình"
    assert result.rating.satisfied is satisfied
    [submitted] = uow.events_of("SurveySubmitted")
    assert submitted.source == "survey" and submitted.commune_code == "26041"
    assert submitted.correlation_id == "corr-submit"
    data = submitted.data
    assert (data.ballot_id, data.dossier_id, data.dossier_code, data.procedure_code, data.officer_id) == (
        ballot.id, ballot.dossier_id, ballot.dossier_code, ballot.procedure_code, ballot.officer_id)
    assert (data.overall, data.satisfied, data.submitted_at) == (overall, satisfied, at)


@pytest.mark.asyncio
async def test_second_submission_refused(uow, returned):
    _, ballot = await open_ballot(uow, returned)
    await handlers.submit_ballot(submit(ballot, 5), uow, NOW + timedelta(days=1))

    with pytest.raises(AlreadySubmitted):
        await handlers.submit_ballot(submit(ballot, 1), uow, NOW + timedelta(days=2))
    assert uow.ballots_store[ballot.id].rating.overall == 5
    assert len(uow.events_of("SurveySubmitted")) == 1


@pytest.mark.asyncio
async def test_losing_a_concurrent_submission_is_refused_without_event(uow, returned):
    _, ballot = await open_ballot(uow, returned)
    uow.lose_race = True  # the guarded update finds the ballot no longer open
    with pytest.raises(AlreadySubmitted):
        await handlers.submit_ballot(submit(ballot, 5), uow, NOW + timedelta(days=1))
    assert uow.events_of("SurveySubmitted") == []


@pytest.mark.asyncio
async def test_expired_ballot_refused(uow, returned):
    _, ballot = await open_ballot(uow, returned)
    with pytest.raises(BallotExpired):
        await handlers.submit_ballot(submit(ballot, 5), uow, NOW + TTL)
    assert uow.ballots_store[ballot.id].status is BallotStatus.OPEN
    assert uow.events_of("SurveySubmitted") == []


@pytest.mark.asyncio
async def test_ballot_of_another_commune_not_found(uow, returned):
    _, ballot = await open_ballot(uow, returned, commune_code="26041")
    with pytest.raises(handlers.BallotNotFound):
        await handlers.submit_ballot(submit(ballot, 5, commune_code="26068"), uow, NOW)
    assert uow.ballots_store[ballot.id].status is BallotStatus.OPEN


