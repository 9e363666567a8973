"""Which notifications an event calls for. Pure rules, no I/O.

Skeleton depth: a receipt notice for every dossier (by SMS when the citizen
agreed to SMS, else the printed receipt slip, form 01); the letter a life event
calls for (congratulations on a birth or a marriage, condolences on a death) when
the citizen agreed to letters; an apology with the new appointment (form 04, "phiếu
xin lỗi và hẹn lại ngày trả kết quả") for every reschedule, carrying the reason, the
previous and the new appointment so it can be printed later; and an apology for a
result that came back late without having been rescheduled (a rescheduled dossier
already had its apology, so it gets no second one).
Templates, channels and delivery are the notify issue's.
"""

from dataclasses import dataclass, field
from typing import Any

from motcua_contracts import DossierReceived, DossierRescheduled, LifeEvent, ResultReturned, Timeliness

LETTER_FOR_LIFE_EVENT = {
    LifeEvent.BIRTH: "congratulation_birth",
    LifeEvent.MARRIAGE: "congratulation_marriage",
    LifeEvent.DEATH: "condolence",
}


@dataclass(frozen=True)
class PlannedNotification:
    kind: str  # receipt, congratulation_birth, congratulation_marriage, condolence, apology
    channel: str  # sms, print, letter
    # What the letter needs besides the dossier (e.g. an apology's reason and dates).
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def for_dossier_received(event: DossierReceived) -> list[PlannedNotification]:
    by_sms = event.consent_sms and event.applicant_phone_masked is not None
    planned = [PlannedNotification("receipt", "sms" if by_sms else "print")]
    if event.life_event is not None and event.consent_letters:
        planned.append(PlannedNotification(LETTER_FOR_LIFE_EVENT[event.life_event], "letter"))
    return planned


def for_dossier_rescheduled(event: DossierRescheduled) -> list[PlannedNotification]:
    """Every reschedule calls for its own apology with the new appointment."""
    return [PlannedNotification("apology", "letter", {
        "reason": event.reason,
        "previous_appointment_at": event.previous_appointment_at,
        "appointment_at": event.appointment_at,
        "rescheduled_at": event.rescheduled_at,
    })]


def for_result_returned(event: ResultReturned) -> list[PlannedNotification]:
    if event.timeliness is Timeliness.LATE and not event.rescheduled:
        return [PlannedNotification("apology", "letter")]
    return []
