"""The dossier's privacy facts, without servers: who received it, the legal basis of each use,
the opt-out, the anonymisation after retention, and the working days a dossier took."""

from datetime import UTC, datetime

import pytest

from motcua_contracts import Channel, ReturnChannel
from motcua_intake.domain.catalogue import find_procedure
from motcua_intake.domain.model import Applicant
from motcua_intake.service_layer import handlers
from motcua_runtime.due_dates import WorkingCalendar

CAL = WorkingCalendar()
MONDAY_9 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def lookup(commune_code, code):
    return find_procedure(code)


class FakeRepository:
    def __init__(self):
        self.dossiers, self.counters = {}, {}

    async def add(self, dossier):
        self.dossiers[(dossier.commune_code, dossier.code)] = dossier

    save = add

    async def get(self, commune_code, code):
        return self.dossiers.get((commune_code, code))

    async def next_sequence(self, commune_code, day_key):
        self.counters[day_key] = self.counters.get(day_key, 0) + 1
        return self.counters[day_key]


class FakeUnitOfWork:
    def __init__(self):
        self.dossiers, self.published, self._pending = FakeRepository(), [], []

    async def __aenter__(self):
        self._pending = []
        return self

    async def __aexit__(self, *exc):
        self._pending = []

    def emit(self, envelope):
        self._pending.append(envelope)

    async def commit(self):
        self.published += self._pending


async def receive(uow, received_by="canbo.26041"):
    command = handlers.ReceiveDossier(
        commune_code="26041", procedure_code="HT-XNTTHN", channel=Channel.COUNTER,
        applicant=Applicant("Nguyễn Văn An", id_number="079123456789", phone="0912345678", address="Thôn 1",
                            email="an@example.vn"),
        consent_letters=True, consent_sms=False, correlation_id="c", received_by=received_by)
    dossier, _ = await handlers.receive_dossier(command, uow, CAL, MONDAY_9, lookup)
    return dossier


@pytest.mark.asyncio
async def test_the_receiving_officer_is_on_the_dossier_and_its_event():
    uow = FakeUnitOfWork()
    dossier = await receive(uow)
    assert dossier.received_by == "canbo.26041"
    assert uow.published[0].data.received_by == "canbo.26041"
    assert "an@example.vn" not in uow.published[0].model_dump_json()


@pytest.mark.asyncio
async def test_processing_working_days_leave_out_the_supplement_pause():
    uow = FakeUnitOfWork()
    dossier = await receive(uow)  # Monday 23/11/2026, 09:00 local
    at = lambda day: datetime(2026, 11, day, 3, 0, tzinfo=UTC)  # noqa: E731  10:00 local
    for command, day in ((handlers.RequestSupplement("26041", dossier.code, "c", ("Bản sao CCCD",)), 24),
                         (handlers.ReceiveSupplement("26041", dossier.code, "c"), 26),
                         (handlers.ReturnResult("26041", dossier.code, "c", ReturnChannel.COUNTER, None), 30)):
        await handlers.act_on_dossier(command, uow, CAL, at(day))
    # Mon 23 → Mon 30 is 5 working days; Tuesday → Thursday (2 of them) the clock was paused.
    assert uow.published[-1].data.processing_working_days == 3.0


@pytest.mark.asyncio
async def test_a_dossier_returned_the_same_day_took_zero_working_days():
    uow = FakeUnitOfWork()
    dossier = await receive(uow)
    await handlers.act_on_dossier(handlers.ReturnResult("26041", dossier.code, "c", ReturnChannel.COUNTER, None),
                                  uow, CAL, datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    assert uow.published[-1].data.processing_working_days == 0.0


@pytest.mark.asyncio
async def test_consent_gives_the_legal_basis_and_an_opt_out_withdraws_it_once():
    uow = FakeUnitOfWork()
    dossier = await receive(uow)
    assert dossier.legal_basis() == {"procedure": "legal_obligation", "letters": "consent", "sms": None}
    assert dossier.opt_out(MONDAY_9) is True and dossier.opt_out(MONDAY_9) is False
    assert dossier.legal_basis() == {"procedure": "legal_obligation", "letters": None, "sms": None}
    assert dossier.consent_letters is True  # what was given at the counter stays on record


@pytest.mark.asyncio
async def test_anonymising_keeps_the_facts_and_the_initials_only():
    uow = FakeUnitOfWork()
    dossier = await receive(uow)
    received, procedure = dossier.received_at, dossier.procedure.code
    dossier.anonymise(MONDAY_9)
    assert dossier.applicant == Applicant(full_name="N***** V** A*")
    assert (dossier.received_at, dossier.procedure.code, dossier.anonymised_at) == (received, procedure, MONDAY_9)
