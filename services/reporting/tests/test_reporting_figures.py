"""The pure figure functions."""

from datetime import UTC, datetime, timedelta, timezone

from uuid import uuid4

import pytest

from motcua_contracts import Channel, ReturnChannel, Timeliness
from motcua_reporting.domain import figures
from motcua_reporting.domain.figures import Figures, district_total

from services.reporting.tests.reporting_fakes import (
    received,
    refused,
    rescheduled,
    returned,
    supplement_requested,
    survey,
    withdrawn,
)


def test_on_time_rate_counts_early_and_on_time_over_returned():
    # Sao Vàng, 5 months: 432 early, 97 on time, 6 late.
    assert figures.on_time_rate(432, 97, 535) == pytest.approx(529 / 535)
    assert figures.on_time_rate(0, 0, 3) == 0.0


def test_on_time_rate_is_none_when_nothing_returned():
    assert figures.on_time_rate(0, 0, 0) is None


def test_ballot_satisfaction_rate():
    # Cao Lãnh city one-stop: 548 of 600 ballots satisfied = 91.3 %.
    rate = figures.ballot_satisfaction_rate(548, 600)
    assert f"{rate:.1%}" == "91.3%"
    assert figures.ballot_satisfaction_rate(0, 0) is None


def test_local_day_is_vietnam_time():
    assert figures.local_day(datetime(2024, 1, 31, 16, 59, tzinfo=UTC)) == "2024-01-31"
    assert figures.local_day(datetime(2024, 1, 31, 17, 0, tzinfo=UTC)) == "2024-02-01"
    assert figures.local_day(datetime(2024, 2, 1, 0, 30, tzinfo=timezone(timedelta(hours=7)))) == "2024-02-01"
    with pytest.raises(ValueError):
        figures.local_day(datetime(2024, 1, 31))


def test_increments_of_each_event():
    assert figures.increments_for_dossier_received(received(channel=Channel.ONLINE).data) == {
        "received": 1, "received_by_channel.online": 1}
    assert figures.increments_for_result_returned(returned(timeliness=Timeliness.LATE).data) == {
        "returned": 1, "late": 1}
    assert figures.increments_for_result_returned(
        returned(timeliness=Timeliness.EARLY, channel=ReturnChannel.AT_HOME).data
    ) == {"returned": 1, "early": 1, "returned_at_home": 1}
    assert figures.increments_for_survey_submitted(survey(overall=4).data) == {"ballots": 1, "satisfied": 1}
    assert figures.increments_for_survey_submitted(survey(overall=3).data) == {"ballots": 1}


def test_figures_of_no_counters_are_zeros_with_every_channel():
    empty = Figures.from_counters(None)
    assert empty.received == empty.returned == empty.ballots == 0
    assert dict(empty.received_by_channel) == {c.value: 0 for c in Channel}
    assert empty.on_time_rate is None and empty.ballot_satisfaction_rate is None
    assert empty.updated_at is None


def test_district_total_sums_counters_and_computes_rates_from_sums():
    t1, t2 = datetime(2024, 7, 1, tzinfo=UTC), datetime(2024, 7, 2, tzinfo=UTC)
    a = Figures.from_counters({"received": 10, "received_by_channel": {"counter": 6, "online": 4},
                               "returned": 10, "early": 9, "on_time": 1, "ballots": 600, "satisfied": 548,
                               "updated_at": t1})
    b = Figures.from_counters({"received": 500, "received_by_channel": {"counter": 500},
                               "returned": 500, "early": 200, "on_time": 100, "late": 200,
                               "returned_at_home": 3, "ballots": 2723, "satisfied": 2658, "updated_at": t2})
    total = district_total([a, b])
    assert (total.received, total.returned, total.early, total.on_time, total.late) == (510, 510, 209, 101, 200)
    assert total.received_by_channel["counter"] == 506 and total.received_by_channel["online"] == 4
    assert total.returned_at_home == 3
    assert (total.ballots, total.satisfied) == (3323, 3206)
    # From the sums (310/510), not the average of 100 % and 60 %.
    assert total.on_time_rate == pytest.approx(310 / 510)
    assert total.ballot_satisfaction_rate == pytest.approx(3206 / 3323)
    assert total.updated_at == t2


def test_district_total_of_no_commune_is_zero():
    total = district_total([])
    assert total.received == 0 and total.on_time_rate is None


def test_increments_of_the_lifecycle_events():
    assert figures.increments_for_supplement_requested(supplement_requested().data) == {"supplements_requested": 1}
    assert figures.increments_for_dossier_refused(refused().data) == {"refused": 1}
    assert figures.increments_for_dossier_withdrawn(withdrawn().data) == {"withdrawn": 1}
    assert figures.increments_for_dossier_rescheduled(rescheduled().data) == {"rescheduled": 1}
    assert figures.increments_for_dossier_received(
        received(channel=Channel.OUT_OF_HOURS, session_id=uuid4()).data
    ) == {"received": 1, "received_by_channel.out_of_hours": 1, "received_in_sessions": 1}
    assert figures.increments_for_dossier_received(received(channel=Channel.ASSISTED, assisted=True).data) == {
        "received": 1, "received_by_channel.assisted": 1, "assisted": 1}
    assert figures.increments_for_result_returned(
        returned(channel=ReturnChannel.AT_HOME, free_of_charge=True).data
    ) == {"returned": 1, "on_time": 1, "returned_at_home": 1, "returned_free_of_charge": 1}


def test_online_share():
    assert figures.online_share(0, 0) is None
    assert figures.online_share(3, 10) == pytest.approx(0.3)
    f = Figures.from_counters({"received": 10, "received_by_channel": {"online": 2, "assisted": 1, "counter": 7}})
    assert f.received_online == 3 and f.online_share == pytest.approx(0.3)
    assert Figures.from_counters(None).online_share is None
