"""Counter use cases with a fake unit of work: no servers, milliseconds."""

from datetime import UTC, datetime

import pytest

from motcua_contracts import Channel, ReturnChannel, Timeliness
from motcua_intake.domain.catalogue import find_procedure
from motcua_runtime.due_dates import WorkingCalendar
from motcua_intake.domain.model import AlreadyReturned, Applicant
from motcua_intake.service_layer import handlers


class FakeRepository:
    def __init__(self):
        self.dossiers, self.counters = {}, {}

    async def add(self, dossier):
        self.dossiers[(dossier.commune_code, dossier.code)] = dossier

    async def save(self, dossier):
        self.dossiers[(dossier.commune_code, dossier.code)] = dossier

    async def get(self, commune_code, code):
        return self.dossiers.get((commune_code, code))

    async def get_by_idempotency_key(self, commune_code, key):
        return next((d for d in self.dossiers.values() if d.commune_code == commune_code and d.idempotency_key == key),
                    None)

    async def next_sequence(self, commune_code, day_key):
        key = (commune_code, day_key)
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]


class FakeUnitOfWork:
    def __init__(self):
        self.dossiers = FakeRepository()
        self.published, self._pending, self.commits = [], [], 0

    async def __aenter__(self):
        self._pending = []
        return self

    async def __aexit__(self, *exc):
        self._pending = []

    def emit(self, envelope):
        self._pending.append(envelope)

    async def commit(self):
        self.published += self._pending
        self.commits += 1


CAL = WorkingCalendar()
MONDAY_9 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def lookup(commune_code, code):
    return find_procedure(code)


async def receive(uow, commune="26041", procedure="CT-CHUKY", now=MONDAY_9, key=None):
    command = handlers.ReceiveDossier(
        commune_code=commune, procedure_code=procedure, channel=Channel.COUNTER,
        applicant=Applicant("Nguyễn Văn An", id_number="079123456789", phone="0912345678"),
        consent_letters=True, consent_sms=True, correlation_id="corr-1", idempotency_key=key,
    )
    dossier, _created = await handlers.receive_dossier(command, uow, CAL, now, lookup)
    return dossier


@pytest.mark.asyncio
async def test_receiving_gives_daily_codes_per_commune_and_announces_each_dossier():
    uow = FakeUnitOfWork()
    first = await receive(uow)
    second = await receive(uow)
    other = await receive(uow, commune="15667")
    assert (first.code, second.code, other.code) == ("26041-261123-0001", "26041-261123-0002", "15667-261123-0001")
    assert [e.event_type for e in uow.published] == ["DossierReceived"] * 3
    event = uow.published[0]
    assert event.commune_code == "26041" and event.correlation_id == "corr-1"
    assert event.data.applicant_phone_masked == "*******678"
    assert "079123456789" not in event.model_dump_json() and "0912345678" not in event.model_dump_json()


@pytest.mark.asyncio
async def test_unknown_procedure_is_refused_and_nothing_is_written():
    uow = FakeUnitOfWork()
    with pytest.raises(handlers.UnknownProcedure):
        await receive(uow, procedure="NO-SUCH")
    assert uow.commits == 0 and uow.published == []


@pytest.mark.asyncio
async def test_returning_a_result_records_timeliness_once():
    uow = FakeUnitOfWork()
    dossier = await receive(uow, procedure="HT-XNTTHN")  # 3 working days: due Thursday
    command = handlers.ReturnResult("26041", dossier.code, "corr-2", ReturnChannel.AT_HOME, "cb-01")
    returned = await handlers.return_result(command, uow, CAL, datetime(2026, 11, 25, 3, 0, tzinfo=UTC))
    assert returned.timeliness is Timeliness.EARLY
    assert uow.published[-1].event_type == "ResultReturned"
    assert uow.published[-1].data.return_channel is ReturnChannel.AT_HOME
    with pytest.raises(AlreadyReturned):
        await handlers.return_result(command, uow, CAL, datetime(2026, 11, 26, 3, 0, tzinfo=UTC))
    assert len(uow.published) == 2


@pytest.mark.asyncio
async def test_returning_an_unknown_dossier_is_an_error():
    with pytest.raises(handlers.DossierNotFound):
        await handlers.return_result(
            handlers.ReturnResult("26041", "26041-261123-9999", "c", ReturnChannel.COUNTER, None),
            FakeUnitOfWork(), CAL, MONDAY_9,
        )


@pytest.mark.asyncio
async def test_the_same_idempotency_key_makes_one_dossier():
    uow = FakeUnitOfWork()
    first = await receive(uow, key="click-1")
    again = await receive(uow, key="click-1")
    other = await receive(uow, key="click-2")
    assert again.code == first.code and other.code != first.code
    assert len(uow.published) == 2


class ScanRepository(FakeRepository):
    def __init__(self):
        super().__init__()
        self.announced = set()

    async def candidates_for_deadline_scan(self, until, limit):
        return [d for d in self.dossiers.values()
                if d.status.value in ("received", "assigned") and d.appointment_at < until][:limit]

    async def mark_deadline_announced(self, dossier, kind):
        key = (dossier.id, kind, dossier.appointment_at)
        if key in self.announced:
            return False
        self.announced.add(key)
        return True


@pytest.mark.asyncio
async def test_deadline_scan_announces_each_appointment_once_and_again_after_a_reschedule():
    uow = FakeUnitOfWork()
    uow.dossiers = ScanRepository()
    due_thursday = await receive(uow, procedure="HT-XNTTHN")  # due Thu 26/11 17:00
    await receive(uow, procedure="DD-HOGIAI")  # weeks away: neither due soon nor overdue
    wednesday = datetime(2026, 11, 25, 3, tzinfo=UTC)
    assert await handlers.scan_deadlines(lambda: uow, CAL, wednesday) == {"due_soon": 1, "overdue": 0}
    assert await handlers.scan_deadlines(lambda: uow, CAL, wednesday) == {"due_soon": 0, "overdue": 0}
    friday = datetime(2026, 11, 27, 3, tzinfo=UTC)
    assert await handlers.scan_deadlines(lambda: uow, CAL, friday) == {"due_soon": 0, "overdue": 1}
    assert [e.event_type for e in uow.published[-2:]] == ["DossierDueSoon", "DossierOverdue"]
    await handlers.act_on_dossier(
        handlers.Reschedule("26041", due_thursday.code, "c", datetime(2026, 12, 2).date(), "Chờ xác minh"),
        uow, CAL, friday)
    assert await handlers.scan_deadlines(lambda: uow, CAL, datetime(2026, 12, 3, 3, tzinfo=UTC)) == {
        "due_soon": 0, "overdue": 1}
