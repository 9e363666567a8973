"""Which notifications an event calls for. Pure rules, no I/O.

Skeleton depth: a receipt notice for every dossier (by SMS when the citizen
agreed to SMS, else the printed receipt slip, form 01); the letter a life event
calls for (congratulations on a birth or a marriage, condolences on a death) when
the citizen agreed to letters; an apology when a result came back late.
Templates, channels and delivery are the notify issue's.
"""

from dataclasses import dataclass

from motcua_contracts import DossierReceived, LifeEvent, ResultReturned, Timeliness

LETTER_FOR_LIFE_EVENT = {
    LifeEvent.BIRTH: "congratulation_birth",
    LifeEvent.MARRIAGE: "congratulation_marriage",
    LifeEvent.DEATH: "condolence",
}


@dataclass(frozen=True)
class PlannedNotification:
    kind: str  # receipt, congratulation_birth, congratulation_marriage, condolence, apology
    channel: str  # sms, print, letter


def for_dossier_received(event: DossierReceived) -> list[PlannedNotification]:
    by_sms = event.consent_sms and event.applicant_phone_masked is not None
    planned = [PlannedNotification("receipt", "sms" if by_sms else "print")]
    if event.life_event is not None and event.consent_letters:
        planned.append(PlannedNotification(LETTER_FOR_LIFE_EVENT[event.life_event], "letter"))
    return planned


def for_result_returned(event: ResultReturned) -> list[PlannedNotification]:
    if event.timeliness is Timeliness.LATE:
        return [PlannedNotification("apology", "letter")]
    return []
