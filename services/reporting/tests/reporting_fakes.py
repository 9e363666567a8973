"""Fakes with the shape of reporting's unit of work and reader: no servers.

The fake unit of work stages counter increments and processed marks and applies
them only on commit, like the MongoDB transaction does.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from uuid import uuid4

from motcua_contracts import (
    Channel,
    DossierReceived,
    DossierRefused,
    DossierRescheduled,
    DossierSupplementRequested,
    DossierWithdrawn,
    ResultReturned,
    ReturnChannel,
    SurveySubmitted,
    Timeliness,
    new_envelope,
)


class FakeStore:
    """What the database would hold: counters documents and processed marks."""

    def __init__(self) -> None:
        self.commune_figures: dict[str, dict] = {}
        self.daily_figures: dict[str, dict] = {}
        self.processed: set[str] = set()
        self.commits = 0

    # FiguresReader
    async def commune(self, commune_code: str) -> dict | None:
        return self.commune_figures.get(commune_code)

    async def communes(self) -> list[dict]:
        return [self.commune_figures[k] for k in sorted(self.commune_figures)]


def _apply(doc: dict, increments: Mapping[str, int], at: datetime) -> None:
    for path, amount in increments.items():
        target = doc
        *parents, leaf = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = target.get(leaf, 0) + amount
    doc["updated_at"] = max(doc.get("updated_at", at), at)


class FakeFiguresRepository:
    def __init__(self) -> None:
        self.staged: list[tuple[str, str, dict, datetime]] = []

    async def increment(self, commune_code, day, increments, at) -> None:
        self.staged.append((commune_code, day, dict(increments), at))


class FakeUnitOfWork:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.figures = FakeFiguresRepository()
        self._marks: list[str] = []
        self.emitted: list = []

    async def __aenter__(self) -> "FakeUnitOfWork":
        self.figures = FakeFiguresRepository()
        self._marks, self.emitted = [], []
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.figures.staged, self._marks = [], []  # rollback of anything not committed

    def emit(self, envelope) -> None:
        self.emitted.append(envelope)

    async def already_processed(self, consumer: str, event_id: str) -> bool:
        return f"{consumer}:{event_id}" in self.store.processed

    def mark_processed(self, consumer: str, event_id: str) -> None:
        self._marks.append(f"{consumer}:{event_id}")

    async def commit(self) -> None:
        if any(m in self.store.processed for m in self._marks):
            raise RuntimeError("duplicate key on processed_events")  # what MongoDB would say
        for commune, day, increments, at in self.figures.staged:
            doc = self.store.commune_figures.setdefault(commune, {"_id": commune, "commune_code": commune})
            _apply(doc, increments, at)
            daily = self.store.daily_figures.setdefault(
                f"{commune}:{day}", {"_id": f"{commune}:{day}", "commune_code": commune, "day": day}
            )
            _apply(daily, increments, at)
        self.store.processed.update(self._marks)
        self.store.commits += 1


T0 = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)


def received(commune: str = "26041", channel: Channel = Channel.COUNTER, at: datetime = T0,
             session_id=None, assisted: bool = False):
    return new_envelope(
        DossierReceived(
            dossier_id=uuid4(), dossier_code=f"{commune}-240701-0001", procedure_code="CT-CHUKY",
            procedure_name="Chứng thực chữ ký", field="chung_thuc", channel=channel, received_at=at,
            appointment_at=at, processing_days=0.5, applicant_name_masked="T*** T** B***",
            session_id=session_id, assisted=assisted,
        ),
        source="intake", commune_code=commune, correlation_id="test", occurred_at=at,
    )


def returned(commune: str = "26041", timeliness: Timeliness = Timeliness.ON_TIME,
             channel: ReturnChannel = ReturnChannel.COUNTER, at: datetime = T0, free_of_charge: bool = False):
    return new_envelope(
        ResultReturned(
            dossier_id=uuid4(), dossier_code=f"{commune}-240701-0001", procedure_code="CT-CHUKY",
            field="chung_thuc", received_at=at, appointment_at=at, returned_at=at,
            timeliness=timeliness, return_channel=channel, free_of_charge=free_of_charge,
        ),
        source="intake", commune_code=commune, correlation_id="test", occurred_at=at,
    )


def survey(commune: str = "26041", overall: int = 5, at: datetime = T0):
    return new_envelope(
        SurveySubmitted(ballot_id=uuid4(), overall=overall, satisfied=overall >= 4, submitted_at=at),
        source="survey", commune_code=commune, correlation_id="test", occurred_at=at,
    )


def _dossier(commune: str, at: datetime) -> dict:
    return dict(dossier_id=uuid4(), dossier_code=f"{commune}-240701-0001", procedure_code="CT-CHUKY",
                field="chung_thuc", channel=Channel.COUNTER, received_at=at, appointment_at=at, due_at=at)


def _lifecycle(data, commune: str, at: datetime):
    return new_envelope(data, source="intake", commune_code=commune, correlation_id="test", occurred_at=at)


def supplement_requested(commune: str = "26041", at: datetime = T0):
    return _lifecycle(DossierSupplementRequested(**_dossier(commune, at), missing_items=["Bản sao CCCD"],
                                                 requested_at=at), commune, at)


def refused(commune: str = "26041", at: datetime = T0):
    return _lifecycle(DossierRefused(**_dossier(commune, at), reason="Không thuộc thẩm quyền", refused_at=at),
                      commune, at)


def withdrawn(commune: str = "26041", at: datetime = T0):
    return _lifecycle(DossierWithdrawn(**_dossier(commune, at), reason="Công dân rút hồ sơ", withdrawn_at=at),
                      commune, at)


def rescheduled(commune: str = "26041", at: datetime = T0):
    return _lifecycle(DossierRescheduled(**_dossier(commune, at), previous_appointment_at=at,
                                         reason="Chờ xác minh", rescheduled_at=at), commune, at)
