"""The pure rules of webhook subscriptions: filters, ordering keys, signatures, backoff and parking."""

from datetime import UTC, datetime, timedelta

from motcua_hooks.domain.subscriptions import (
    PAUSED,
    Subscription,
    after_failure,
    alert_day,
    backoff_seconds,
    ordering_key,
    sign,
    verify,
)


def _subscription(**kw) -> Subscription:
    return Subscription("s1", "cong-dvc", "http://127.0.0.1/x", **kw)


def test_filters_by_event_type_commune_and_field():
    everything = _subscription()
    assert everything.matches("DossierReceived", "26041", {"field": "ho_tich"})
    scoped = _subscription(event_types=frozenset({"DossierReceived"}), communes=frozenset({"26041"}),
                           fields=frozenset({"ho_tich"}))
    assert scoped.matches("DossierReceived", "26041", {"field": "ho_tich"})
    assert not scoped.matches("ResultReturned", "26041", {"field": "ho_tich"})
    assert not scoped.matches("DossierReceived", "15667", {"field": "ho_tich"})
    assert not scoped.matches("DossierReceived", "26041", {"field": "chung_thuc"})
    assert not scoped.matches("DossierReceived", "26041", {})  # no field: not in a field filter
    assert not _subscription(status=PAUSED).matches("DossierReceived", "26041", {})


def test_a_dossiers_events_share_an_ordering_key_and_others_stand_alone():
    assert ordering_key({"dossier_id": "d1", "ballot_id": "b1"}, "e1") == "dossier:d1"
    assert ordering_key({"feedback_id": "f1"}, "e2") == "feedback:f1"
    assert ordering_key({"dossier_id": None}, "e3") == "event:e3"


def test_signature_verifies_and_refuses_tampering_other_secrets_and_old_timestamps():
    body = b'{"event_id":"x"}'
    header = sign("bi-mat", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert verify("bi-mat", header, body, now=1_700_000_100)
    assert not verify("bi-mat", header, body + b" ", now=1_700_000_100)
    assert not verify("khac", header, body, now=1_700_000_100)
    assert not verify("bi-mat", header, body, now=1_700_001_000)  # replayed 1000 s later
    assert not verify("bi-mat", "garbage", body, now=1_700_000_000)


def test_backoff_doubles_up_to_a_cap_and_parks_when_the_window_is_over():
    assert [backoff_seconds(n, 1, 10) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    start = datetime(2026, 11, 22, tzinfo=UTC)
    retry = after_failure(attempts=3, first_failure_at=start, now=start + timedelta(seconds=5),
                          retry_for_seconds=60, initial=1, cap=600)
    assert not retry.park and retry.next_attempt_at == start + timedelta(seconds=9)
    last = after_failure(attempts=9, first_failure_at=start, now=start + timedelta(seconds=50),
                         retry_for_seconds=60, initial=1, cap=600)
    assert last.next_attempt_at == start + timedelta(seconds=60), "one last attempt at the end of the window"
    parked = after_failure(attempts=10, first_failure_at=start, now=start + timedelta(seconds=60),
                           retry_for_seconds=60, initial=1, cap=600)
    assert parked.park and parked.next_attempt_at is None


def test_alerts_count_days_in_vietnam():
    assert alert_day(datetime(2026, 11, 22, 17, 30, tzinfo=UTC)) == "2026-11-23"
