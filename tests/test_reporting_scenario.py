"""A known sequence of real events on the real bus gives hand-computed figures, exactly.

The commune's March 2026, hand-counted (times are local, UTC+7):

  D0  received 26/02 counter, due 03/03; returned 02/03 early (2 working days)     -> carried over
  D1  received 02/03 counter, due 05/03; returned 04/03 early at home (2)
  D2  received 03/03 online,  due 06/03; returned 06/03 on time (3); ballot 2 (unsatisfied)
  D3  received 03/03 online,  due 06/03; rescheduled 05/03 to 10/03 (apology letter); returned 10/03 late (5)
  D4  received 09/03 assisted, due 12/03; returned 16/03 late, not rescheduled, NO apology letter (5)
  D5  received 15/03 session S1, CT-CHUKY by cb2, due 16/03; returned 16/03 on time (1); ballot 3 + complaint
  D6  received 15/03 session S1, CT-CHUKY; refused 15/03
  D7  received 22/03 session S2, CT-CHUKY; supplement requested 23/03; withdrawn 25/03
  D8  received 30/03 counter, due 02/04                                          -> pending, not yet due
  D9  received 20/03 counter, CT-CHUKY, due 24/03, no result                     -> pending, overdue
  D10 received 31/03 18:00 UTC = 01/04 local                                      -> April, not March
  Bookings of session slots (by phone): B1, B2 for S1 on 15/03, booked 10/03 and 12/03; B3 for S3 (no
  dossier ever received in it: not a session held), booked 13/03; B2 cancelled 14/03; B4 booked
  31/03 23:00 UTC = 01/04 local                                                   -> 3 booked, 1 cancelled
"""

import uuid

import pytest

from motcua_reporting.domain.scorecard import DEFAULT_CRITERIA
from services.reporting.tests.events import Dossier, ballot, booking, booking_cancelled, feedback, letter, message
from tests.helpers import as_json, eventually, publish_events

pytestmark = pytest.mark.e2e


def march(commune: str) -> list:
    s1, s2, s3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    d = [
        Dossier(commune, 0, received="2026-02-26 09:00", due="2026-03-03 17:00"),
        Dossier(commune, 1, received="2026-03-02 08:00", due="2026-03-05 17:00"),
        Dossier(commune, 2, channel="online", received="2026-03-03 10:00", due="2026-03-06 17:00"),
        Dossier(commune, 3, channel="online", received="2026-03-03 11:00", due="2026-03-06 17:00"),
        Dossier(commune, 4, channel="assisted", assisted=True, received="2026-03-09 08:30", due="2026-03-12 17:00"),
        Dossier(commune, 5, "CT-CHUKY", "out_of_hours", "2026-03-15 08:00", "2026-03-16 17:00", "cb2", s1),
        Dossier(commune, 6, "CT-CHUKY", "out_of_hours", "2026-03-15 09:00", "2026-03-16 17:00", "cb2", s1),
        Dossier(commune, 7, "CT-CHUKY", "out_of_hours", "2026-03-22 08:00", "2026-03-23 17:00", "cb2", s2),
        Dossier(commune, 8, received="2026-03-30 08:00", due="2026-04-02 17:00"),
        Dossier(commune, 9, "CT-CHUKY", received="2026-03-20 08:00", due="2026-03-24 17:00"),
        Dossier(commune, 10, received="2026-04-01 01:00", due="2026-04-06 17:00"),
    ]
    events = [x.received() for x in d]
    events += [
        d[0].returned("2026-03-02 10:00", "early", 2.0),
        d[1].returned("2026-03-04 15:00", "early", 2.0, at_home=True),
        d[2].returned("2026-03-06 16:00", "on_time", 3.0),
        d[3].rescheduled("2026-03-05 16:00", "2026-03-10 17:00"),
        d[3].letter("2026-03-05 16:05", "apology", "rescheduled"),
        d[3].returned("2026-03-10 09:00", "late", 5.0, rescheduled=True),
        d[4].returned("2026-03-16 09:00", "late", 5.0),
        d[5].returned("2026-03-16 10:00", "on_time", 1.0),
        d[6].refused("2026-03-15 10:00"),
        d[7].supplement_requested("2026-03-23 08:00"),
        d[7].withdrawn("2026-03-25 08:00"),
        d[0].ballot("2026-03-02 11:00", 5),
        d[1].ballot("2026-03-04 16:00", 4),
        d[2].ballot("2026-03-06 17:00", 2),
        d[5].ballot("2026-03-16 11:00", 3, complaint=True),
        d[1].letter("2026-03-04 15:05", "congratulation", "life_event", "birth"),
        d[2].letter("2026-03-06 16:05", "congratulation", "life_event", "birth"),
        letter(commune, "2026-03-10 09:00", "congratulation", "life_event", "marriage"),
        letter(commune, "2026-03-11 09:00", "condolence", "life_event", "death"),
        letter(commune, "2026-03-12 09:00", "thanks", "ballot"),
        message(commune, "2026-03-02 08:01", "sms", True),
        message(commune, "2026-03-03 10:01", "sms", True),
        message(commune, "2026-03-03 11:01", "sms", True),
        message(commune, "2026-03-09 08:31", "sms", False),
        message(commune, "2026-03-09 08:32", "email", True),
        *feedback(commune, "2026-03-10 09:00", "2026-03-12 09:00", on_time=True),
        *feedback(commune, "2026-03-11 09:00", "2026-03-30 09:00", on_time=False),
    ]
    b2 = booking(commune, "2026-03-12 14:00", s1, "2026-03-15")
    events += [booking(commune, "2026-03-10 09:00", s1, "2026-03-15"), b2,
               booking(commune, "2026-03-13 10:00", s3, "2026-03-29", title="Tối thứ Năm"),
               booking_cancelled(b2, "2026-03-14 08:00"),
               booking(commune, "2026-04-01 06:00", s1, "2026-04-05")]
    return events


EXPECTED_MARCH = {
    "received": 9, "carried_over": 1, "returned": 6, "early": 2, "on_time": 2, "late": 2,
    "pending_not_due": 1, "pending_overdue": 1, "withdrawn": 1, "refused": 1, "supplements_requested": 1,
    "rescheduled": 1, "late_not_rescheduled": 1, "letters_apology": 1, "apologies_expected": 2, "apology_gap": 1,
    "letters_congratulation": 3, "letters_condolence": 1, "letters_thanks": 1,
    "letters_congratulation_by_life_event": {"marriage": 1, "birth": 2},
    "sms_sent": 3, "sms_failed": 1, "sessions_held": 2, "received_in_sessions": 3, "returned_at_home": 1,
    "session_bookings": 3, "session_bookings_cancelled": 1,
    "assisted": 1, "received_online": 3,
    "received_by_channel": {"counter": 3, "online": 2, "post": 0, "out_of_hours": 3, "at_home": 0, "assisted": 1},
    "ballots": 4, "satisfied": 2, "ballot_satisfaction_rate": 0.5,
    "in_scope_766": 6, "unsatisfied_766": 1, "complained_766": 1, "late_766": 2,
    "satisfaction_index_766": round(2 / 6, 4),
    "on_time_rate": round(4 / 6, 4), "online_share": round(3 / 9, 4),
    "feedback_received": 2, "feedback_answered": 2, "feedback_answered_on_time": 1, "feedback_on_time_rate": 0.5,
    "average_processing_days": 3.0, "median_processing_days": 2.5, "processing_days_counted": 6,
}


@pytest.fixture
async def default_criteria(services, admin):
    """The scorecard's default criteria (another test, or the API fuzzer, may have changed them)."""
    criteria = {"criteria": [c.model_dump() for c in DEFAULT_CRITERIA.criteria]}
    response = await admin.put(f"{services['reporting'].base_url}/v1/scorecard/criteria", json=criteria)
    assert response.status_code == 200, response.text


async def notify_stays_quiet(services, admin, commune: str) -> None:
    """Turn every notify rule off for the test's commune: the scenario's events carry their own
    letters, and notify's live answers to them (its own LetterIssued, arriving whenever notify gets
    to them) would change the letter figures under the test's feet."""
    rules = ("receipt", "result_ready", "session_reminder", "apology", "congratulation", "condolence",
             "thanks_ballot", "thanks_feedback", "ballot_invitation")
    response = await admin.put(f"{services['notify'].base_url}/v1/communes/{commune}/notify-settings/rules",
                               json={"rules": {rule: False for rule in rules}})
    assert response.status_code == 200, response.text


async def test_a_known_month_of_events_gives_the_hand_computed_figures(services, stack, http, overseer, admin,
                                                                       commune, default_criteria):
    await notify_stays_quiet(services, admin, commune)
    events = march(commune)
    # Published twice: JetStream drops the re-publication of an event id, and were it delivered
    # again, the processed mark would keep it from counting twice.
    await publish_events(stack.nats_url, events + events[:5])
    reporting = services["reporting"].base_url
    url = f"{reporting}/v1/communes/{commune}/report?period=month&at=2026-03-15"

    async def settled():
        body = as_json(await http.get(url))
        f = body["figures"]
        return body if (f["sms_failed"], f["feedback_answered"], f["ballots"], f["returned"], f["withdrawn"]) == (
            1, 2, 4, 6, 1) and f["letters_thanks"] == 1 and f["letters_condolence"] == 1 and (
            f["session_bookings"], f["session_bookings_cancelled"]) == (3, 1) else None

    body = await eventually(settled, timeout=180, interval=0.3)
    assert body["period"] == {"first_day": "2026-03-01", "last_day": "2026-03-31", "granularity": "month",
                              "label": "Tháng 3/2026"}
    figures = body["figures"]
    assert {k: figures[k] for k in EXPECTED_MARCH} == EXPECTED_MARCH

    # April: D10 (received at 01:00 local on 1 April), and D8, D9 carried over from March.
    april = as_json(await http.get(f"{reporting}/v1/communes/{commune}/report?period=month&at=2026-04-10"))["figures"]
    assert (april["received"], april["carried_over"], april["returned"]) == (1, 2, 0)
    assert (april["session_bookings"], april["session_bookings_cancelled"], april["sessions_held"]) == (1, 0, 0)

    # A custom range and a quarter add up the same days.
    q1 = as_json(await http.get(f"{reporting}/v1/communes/{commune}/report?period=quarter&at=2026-02-10"))["figures"]
    assert (q1["received"], q1["returned"], q1["carried_over"]) == (10, 6, 0)
    days = as_json(await http.get(f"{reporting}/v1/communes/{commune}/report?from=2026-03-15&to=2026-03-16"))
    assert days["figures"]["received"] == 2 and days["figures"]["returned"] == 2

    # Processing time per procedure (working days): HT-KHAISINH 2, 2, 3, 5, 5; CT-CHUKY 1.
    procedures = as_json(await http.get(f"{reporting}/v1/communes/{commune}/breakdown/procedure?at=2026-03-01"))
    by_code = {row["key"]: row for row in procedures["rows"]}
    assert by_code["HT-KHAISINH"]["field"] == "ho_tich"
    assert by_code["HT-KHAISINH"]["figures"]["average_processing_days"] == 3.4
    assert by_code["HT-KHAISINH"]["figures"]["median_processing_days"] == 3.0
    assert by_code["CT-CHUKY"]["figures"]["median_processing_days"] == 1.0

    # Drill-down: field -> procedures of the field -> officers of a procedure.
    fields = as_json(await http.get(f"{reporting}/v1/communes/{commune}/breakdown/field?at=2026-03-01"))
    assert {r["key"]: r["figures"]["received"] for r in fields["rows"]} == {"ho_tich": 5, "chung_thuc": 4}
    assert {r["key"]: r["figures"]["median_processing_days"] for r in fields["rows"]} == {"ho_tich": 3.0,
                                                                                         "chung_thuc": 1.0}
    in_field = as_json(await http.get(
        f"{reporting}/v1/communes/{commune}/breakdown/procedure?at=2026-03-01&field=chung_thuc"))
    assert [r["key"] for r in in_field["rows"]] == ["CT-CHUKY"]
    officers = as_json(await http.get(
        f"{reporting}/v1/communes/{commune}/breakdown/officer?at=2026-03-01&procedure=CT-CHUKY"))
    assert {r["key"]: r["figures"]["received"] for r in officers["rows"]} == {"cb1": 1, "cb2": 3}

    # The district sees the commune beside the others; the total of one commune is the commune.
    district = as_json(await overseer.get(
        f"{reporting}/v1/district/report?period=month&at=2026-03-01&communes={commune}"))
    assert [c["commune_code"] for c in district["communes"]] == [commune]
    assert district["total"]["received"] == 9 and district["total"]["satisfaction_index_766"] == round(2 / 6, 4)
    assert district["online_share_target"] == 0.3

    # Trend by month over the year: February has D0, March nine, April D10.
    trend = as_json(await http.get(f"{reporting}/v1/communes/{commune}/trend?granularity=month&at=2026-06-01"))
    received = {p["bucket"]: p["figures"]["received"] for p in trend["points"]}
    assert len(received) == 12 and (received["2026-02"], received["2026-03"], received["2026-04"]) == (1, 9, 1)


async def test_548_of_600_ballots_satisfied_by_officer_campaign_and_factor(services, stack, http, commune):
    campaign = uuid.uuid4()
    events = []
    for n in range(600):
        satisfied = n < 548
        events.append(ballot(commune, f"2026-05-{1 + n % 28:02d} 09:00", 5 if satisfied else 2,
                             officer="cb1" if n % 2 == 0 else "cb2", campaign=campaign if n < 100 else None,
                             factors={"access": 5, "officer": 4 if n < 590 else 1}))
    await publish_events(stack.nats_url, events)
    reporting = services["reporting"].base_url
    url = f"{reporting}/v1/communes/{commune}/report?period=month&at=2026-05-01"

    async def all_counted():
        f = as_json(await http.get(url))["figures"]
        return f if f["ballots"] == 600 else None

    figures = await eventually(all_counted, timeout=300, interval=0.5)
    assert (figures["satisfied"], figures["ballot_satisfaction_rate"]) == (548, 0.9133)
    # Anonymous ballots name no dossier: the Decision 766 index has nothing in scope (shown apart).
    assert figures["in_scope_766"] == 0 and figures["satisfaction_index_766"] is None

    def rows(body):
        return {r["key"]: (r["figures"]["ballots"], r["figures"]["satisfied"]) for r in body["rows"]}

    base = f"{reporting}/v1/communes/{commune}/breakdown"
    assert rows(as_json(await http.get(f"{base}/officer?at=2026-05-01"))) == {"cb1": (300, 274), "cb2": (300, 274)}
    assert rows(as_json(await http.get(f"{base}/campaign?at=2026-05-01"))) == {str(campaign): (100, 100)}
    assert rows(as_json(await http.get(f"{base}/factor?at=2026-05-01"))) == {"access": (600, 600),
                                                                              "officer": (600, 590)}
