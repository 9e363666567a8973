"""Handlers with a fake unit of work: each event counts once, into commune and day."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from motcua_contracts import Channel, ReturnChannel, Timeliness
from motcua_reporting.service_layer import handlers, views

from services.reporting.tests.reporting_fakes import (
    FakeStore,
    FakeUnitOfWork,
    received,
    refused,
    rescheduled,
    returned,
    supplement_requested,
    survey,
    withdrawn,
)

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)


@pytest.mark.asyncio
async def test_duplicated_event_counts_once():
    store = FakeStore()
    event = received(channel=Channel.ONLINE)
    assert await handlers.on_dossier_received(event, FakeUnitOfWork(store), now=NOW) is True
    assert await handlers.on_dossier_received(event, FakeUnitOfWork(store), now=NOW) is False
    doc = store.commune_figures["26041"]
    assert doc["received"] == 1 and doc["received_by_channel"] == {"online": 1}
    assert store.daily_figures["26041:2024-07-01"]["received"] == 1
    assert store.processed == {f"{handlers.CONSUMER_RECEIVED}:{event.event_id}"}


@pytest.mark.asyncio
async def test_consumers_mark_separately():
    # The same event id seen by two purposes is two different marks.
    store = FakeStore()
    event = returned(timeliness=Timeliness.LATE)
    await handlers.on_result_returned(event, FakeUnitOfWork(store))
    assert f"{handlers.CONSUMER_RETURNED}:{event.event_id}" in store.processed


@pytest.mark.asyncio
async def test_result_returned_and_survey_counters_and_rates():
    store = FakeStore()
    for timeliness, channel in [(Timeliness.EARLY, ReturnChannel.AT_HOME), (Timeliness.EARLY, ReturnChannel.COUNTER),
                                (Timeliness.ON_TIME, ReturnChannel.COUNTER), (Timeliness.LATE, ReturnChannel.POST)]:
        await handlers.on_result_returned(returned(timeliness=timeliness, channel=channel), FakeUnitOfWork(store))
    for overall in (5, 4, 2):
        await handlers.on_survey_submitted(survey(overall=overall), FakeUnitOfWork(store))

    f = await views.commune_figures(store, "26041")
    assert (f.returned, f.early, f.on_time, f.late, f.returned_at_home) == (4, 2, 1, 1, 1)
    assert (f.ballots, f.satisfied) == (3, 2)
    assert f.on_time_rate == pytest.approx(0.75)
    assert f.ballot_satisfaction_rate == pytest.approx(2 / 3)


@pytest.mark.asyncio
async def test_day_is_the_vietnam_local_day_of_occurred_at():
    store = FakeStore()
    late_evening_utc = datetime(2024, 7, 1, 18, 0, tzinfo=UTC)  # 01:00 on 2 July in Vietnam
    await handlers.on_dossier_received(received(at=late_evening_utc), FakeUnitOfWork(store))
    assert list(store.daily_figures) == ["26041:2024-07-02"]
    assert store.daily_figures["26041:2024-07-02"]["day"] == "2024-07-02"


@pytest.mark.asyncio
async def test_failed_effect_commits_nothing_and_a_retry_counts_once():
    store = FakeStore()
    event = received()

    class Boom(Exception):
        pass

    class FailingCommit(FakeUnitOfWork):
        async def commit(self) -> None:
            raise Boom

    with pytest.raises(Boom):
        await handlers.on_dossier_received(event, FailingCommit(store))
    assert store.commune_figures == {} and store.processed == set()
    assert await handlers.on_dossier_received(event, FakeUnitOfWork(store)) is True
    assert store.commune_figures["26041"]["received"] == 1


@pytest.mark.asyncio
async def test_unknown_commune_is_zeros():
    f = await views.commune_figures(FakeStore(), "99999")
    assert f.received == 0 and f.on_time_rate is None and f.ballot_satisfaction_rate is None


@pytest.mark.asyncio
async def test_district_totals_over_communes():
    store = FakeStore()
    for commune, n_received, timeliness in [("26041", 3, Timeliness.EARLY), ("26068", 2, Timeliness.LATE)]:
        for _ in range(n_received):
            await handlers.on_dossier_received(received(commune), FakeUnitOfWork(store))
            await handlers.on_result_returned(returned(commune, timeliness), FakeUnitOfWork(store))
    await handlers.on_survey_submitted(survey("26068", overall=5), FakeUnitOfWork(store))
    dup = survey("26068", overall=1)
    await handlers.on_survey_submitted(dup, FakeUnitOfWork(store))
    await handlers.on_survey_submitted(dup, FakeUnitOfWork(store))  # redelivered

    district = await views.district_figures(store)
    assert [code for code, _ in district.communes] == ["26041", "26068"]
    total = district.total
    assert (total.received, total.returned, total.early, total.late) == (5, 5, 3, 2)
    assert total.received_by_channel["counter"] == 5
    assert total.on_time_rate == pytest.approx(3 / 5)
    assert (total.ballots, total.satisfied) == (2, 1)
    assert total.ballot_satisfaction_rate == pytest.approx(0.5)


LIFECYCLE = [
    (supplement_requested, handlers.on_supplement_requested, handlers.CONSUMER_SUPPLEMENT_REQUESTED,
     "supplements_requested"),
    (refused, handlers.on_dossier_refused, handlers.CONSUMER_REFUSED, "refused"),
    (withdrawn, handlers.on_dossier_withdrawn, handlers.CONSUMER_WITHDRAWN, "withdrawn"),
    (rescheduled, handlers.on_dossier_rescheduled, handlers.CONSUMER_RESCHEDULED, "rescheduled"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("make, handler, consumer, counter", LIFECYCLE, ids=[c for *_, c in LIFECYCLE])
async def test_lifecycle_event_counts_once_even_on_redelivery(make, handler, consumer, counter):
    store = FakeStore()
    event = make()
    assert await handler(event, FakeUnitOfWork(store), now=NOW) is True
    assert await handler(event, FakeUnitOfWork(store), now=NOW) is False  # redelivered
    assert store.commune_figures["26041"][counter] == 1
    assert store.daily_figures["26041:2024-07-01"][counter] == 1
    assert store.processed == {f"{consumer}:{event.event_id}"}
    f = await views.commune_figures(store, "26041")
    assert getattr(f, counter) == 1 and f.received == 0


@pytest.mark.asyncio
async def test_reschedules_count_each_reschedule_not_each_dossier():
    store = FakeStore()
    first, second = rescheduled(), rescheduled()
    for event in (first, second, first):  # two reschedules, the first one redelivered
        await handlers.on_dossier_rescheduled(event, FakeUnitOfWork(store))
    assert (await views.commune_figures(store, "26041")).rescheduled == 2


@pytest.mark.asyncio
async def test_sessions_assisted_free_of_charge_and_online_share_count_once():
    store = FakeStore()
    in_session = received(channel=Channel.OUT_OF_HOURS, session_id=uuid4())
    helped = received(channel=Channel.ASSISTED, assisted=True)
    online = received(channel=Channel.ONLINE)
    for event in (in_session, helped, online, received(), in_session, helped):  # two redelivered
        await handlers.on_dossier_received(event, FakeUnitOfWork(store))
    free = returned(channel=ReturnChannel.AT_HOME, free_of_charge=True)
    for event in (free, free, returned()):
        await handlers.on_result_returned(event, FakeUnitOfWork(store))

    f = await views.commune_figures(store, "26041")
    assert (f.received, f.received_in_sessions, f.assisted) == (4, 1, 1)
    assert (f.returned, f.returned_at_home, f.returned_free_of_charge) == (2, 1, 1)
    assert f.received_online == 2 and f.online_share == pytest.approx(0.5)
    day = store.daily_figures["26041:2024-07-01"]
    assert (day["received_in_sessions"], day["assisted"], day["returned_free_of_charge"]) == (1, 1, 1)


@pytest.mark.asyncio
async def test_district_totals_of_the_lifecycle():
    store = FakeStore()
    events = [
        ("26041", supplement_requested, handlers.on_supplement_requested, 2),
        ("26041", refused, handlers.on_dossier_refused, 1),
        ("26068", refused, handlers.on_dossier_refused, 2),
        ("26068", withdrawn, handlers.on_dossier_withdrawn, 1),
        ("26068", rescheduled, handlers.on_dossier_rescheduled, 3),
    ]
    for commune, make, handler, n in events:
        for _ in range(n):
            event = make(commune)
            await handler(event, FakeUnitOfWork(store))
            await handler(event, FakeUnitOfWork(store))  # every one redelivered: still counted once
    await handlers.on_dossier_received(received("26041", channel=Channel.ONLINE), FakeUnitOfWork(store))
    for _ in range(3):
        await handlers.on_dossier_received(received("26068"), FakeUnitOfWork(store))

    district = await views.district_figures(store)
    by_code = dict(district.communes)
    assert (by_code["26041"].supplements_requested, by_code["26041"].refused) == (2, 1)
    assert (by_code["26068"].refused, by_code["26068"].withdrawn, by_code["26068"].rescheduled) == (2, 1, 3)
    total = district.total
    assert (total.supplements_requested, total.refused, total.withdrawn, total.rescheduled) == (2, 3, 1, 3)
    assert by_code["26041"].online_share == 1.0 and by_code["26068"].online_share == 0.0
    assert total.online_share == pytest.approx(1 / 4)  # from the sums, not the average of 100 % and 0 %
