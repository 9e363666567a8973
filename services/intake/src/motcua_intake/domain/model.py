"""The dossier (hồ sơ) and its rules. Pure: no I/O, no clock (times are passed in)."""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from motcua_contracts import Channel, LifeEvent, ReturnChannel, Timeliness

from motcua_intake.domain.catalogue import Procedure
from motcua_intake.domain.due_dates import WorkingCalendar


class DossierError(Exception):
    code = "dossier_error"


class AlreadyReturned(DossierError):
    code = "already_returned"


@dataclass
class Applicant:
    """Personal data: stays in intake; events get masked values only."""

    full_name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None

    def masked_name(self) -> str:
        return " ".join(word[0] + "*" * (len(word) - 1) for word in self.full_name.split())

    def masked_phone(self) -> str | None:
        if not self.phone:
            return None
        return "*" * (len(self.phone) - 3) + self.phone[-3:]


def dossier_code(unit_code: str, received_local: datetime, sequence: int) -> str:
    """'<unit code>-YYMMDD-NNNN', the sequence restarting each day per unit."""
    return f"{unit_code}-{received_local:%y%m%d}-{sequence:04d}"


@dataclass
class Dossier:
    commune_code: str
    code: str
    procedure: Procedure
    channel: Channel
    applicant: Applicant
    received_at: datetime
    appointment_at: datetime
    consent_letters: bool = False
    consent_sms: bool = False
    id: UUID = field(default_factory=uuid4)
    status: str = "received"
    returned_at: datetime | None = None
    return_channel: ReturnChannel | None = None
    timeliness: Timeliness | None = None
    officer_id: str | None = None

    @property
    def life_event(self) -> LifeEvent | None:
        return self.procedure.life_event

    def return_result(
        self, *, returned_at: datetime, channel: ReturnChannel, officer_id: str | None, calendar: WorkingCalendar
    ) -> Timeliness:
        if self.status == "returned":
            raise AlreadyReturned(self.code)
        self.status = "returned"
        self.returned_at = returned_at
        self.return_channel = channel
        self.officer_id = officer_id
        self.timeliness = calendar.timeliness(returned_at, self.appointment_at)
        return self.timeliness
