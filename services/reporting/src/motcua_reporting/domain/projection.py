"""What each event changes in reporting's read models. Pure functions, no I/O.

Two read models (see docs/reporting.md):

- **counters**: one document per commune × local day × dimension × key, holding counters that
  events ``$inc``. Dimensions: ``all`` (key ""), ``field``, ``procedure``, ``channel``,
  ``officer``, ``campaign``, ``factor`` (a SIPAS factor), ``session`` (an out-of-hours session
  id: dossiers received in it, slots booked and cancelled in it) and ``proc_officer`` (key
  "<procedure>|<officer>", for the drill-down procedure → officer).
  Procedure and field documents also hold a histogram of processing working days (``h``, in hundredths of
  a day) so medians come from precomputed counts.
- **dossiers**: one document per dossier (key "<commune>|<dossier code>") with the facts that
  need a dossier's whole life: when it was received, when it is due, when and how it ended,
  whether it was returned late, rated unsatisfied, complained about. Carried-over, pending and
  the Decision 766 satisfaction index are counted from it.

An event's day is the local day (Vietnam, UTC+7) of its ``occurred_at``.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from motcua_contracts import Channel, Envelope, LetterType, LifeEvent, NotifyChannel, ReturnChannel

#: Vietnam local time (Indochina Time, no daylight saving): the day a fact belongs to.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

#: Submission channels that count as online (nộp trực tuyến, with or without a volunteer's help).
ONLINE_CHANNELS: tuple[str, ...] = (Channel.ONLINE.value, Channel.ASSISTED.value)

#: A SIPAS score at or above this is "satisfied" (4 = hài lòng, 5 = rất hài lòng).
SATISFIED_FROM = 4
#: A SIPAS overall score at or below this is "rated unsatisfied" for the Decision 766 index
#: (1 = rất không hài lòng, 2 = không hài lòng; 3 is neutral).
UNSATISFIED_UP_TO = 2

#: Every counter of the counters documents (all start at 0).
COUNTERS: tuple[str, ...] = (
    "received", *(f"received_ch_{c.value}" for c in Channel), "received_online", "received_in_sessions", "assisted",
    "returned", "early", "on_time", "late", "late_not_rescheduled", "returned_at_home", "returned_free_of_charge",
    "pwd_n", "pwd_sum",
    "supplements_requested", "refused", "withdrawn", "transferred", "rescheduled",
    "ballots", "satisfied", "ballots_complaint",
    "feedback_received", "feedback_answered", "feedback_answered_on_time",
    "letters_apology", "letters_congratulation", *(f"letters_congratulation_{e.value}" for e in LifeEvent),
    "letters_condolence", "letters_thanks",
    "sms_sent", "sms_failed", "messages_sent", "messages_failed",
    "session_bookings", "session_bookings_cancelled",
)

DIMENSIONS: tuple[str, ...] = ("all", "field", "procedure", "channel", "officer", "campaign", "factor", "session",
                               "proc_officer")

#: The event types reporting consumes (one durable consumer each).
CONSUMED: tuple[str, ...] = (
    "DossierReceived", "ResultReturned", "DossierSupplementRequested", "DossierRefused", "DossierWithdrawn",
    "DossierTransferred", "DossierRescheduled", "SurveySubmitted", "FeedbackReceived", "FeedbackAnswered",
    "LetterIssued", "MessageSent", "MessageFailed", "SessionBooked", "SessionBookingCancelled",
)


def local_day(moment: datetime) -> str:
    """The calendar day (YYYY-MM-DD) of ``moment`` in Vietnam local time (UTC+7)."""
    if moment.tzinfo is None:
        raise ValueError("moment must carry a timezone")
    return moment.astimezone(VIETNAM_TZ).strftime("%Y-%m-%d")


@dataclass
class CounterChange:
    dim: str
    key: str
    inc: dict[str, float]
    #: Histogram increments (bucket -> count), processing working days in hundredths.
    hist: dict[str, int] = field(default_factory=dict)
    #: Descriptive attributes kept on the document (e.g. a procedure's field).
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class DossierChange:
    key: str
    set: dict = field(default_factory=dict)
    max: dict = field(default_factory=dict)
    min: dict = field(default_factory=dict)


@dataclass
class Effect:
    """Everything one event changes: counters of its commune and day, and a dossier's facts."""

    commune_code: str
    day: str
    counters: list[CounterChange]
    dossier: DossierChange | None = None


def _with_dims(inc: Mapping[str, float], *, field_: str | None = None, procedure: str | None = None,
               channel: str | None = None, officer: str | None = None, hist: Mapping[str, int] | None = None,
               campaign: str | None = None) -> list[CounterChange]:
    """The same increments in ``all`` and in every dimension the event names."""
    inc = dict(inc)
    hist = dict(hist or {})
    changes = [CounterChange("all", "", inc, hist)]
    if field_:
        changes.append(CounterChange("field", field_, inc, hist))
    if procedure:
        changes.append(CounterChange("procedure", procedure, inc, hist, {"field": field_} if field_ else {}))
    if channel:
        changes.append(CounterChange("channel", channel, inc))
    if officer:
        changes.append(CounterChange("officer", officer, inc))
        if procedure:
            changes.append(CounterChange("proc_officer", f"{procedure}|{officer}", inc))
    if campaign:
        changes.append(CounterChange("campaign", campaign, inc))
    return changes


def dossier_key(commune_code: str, dossier_code: str) -> str:
    return f"{commune_code}|{dossier_code}"


def _enum(value) -> str | None:
    return None if value is None else getattr(value, "value", str(value))


def effect_of(envelope: Envelope) -> Effect | None:
    """What ``envelope`` changes, or None for an event reporting does not count."""
    d = envelope.data
    kind = envelope.event_type
    commune = envelope.commune_code
    day = local_day(envelope.occurred_at)
    effect = Effect(commune, day, [])

    if kind == "DossierReceived":
        channel = _enum(d.channel)
        inc = {"received": 1, f"received_ch_{channel}": 1}
        if channel in ONLINE_CHANNELS:
            inc["received_online"] = 1
        if d.session_id is not None:
            inc["received_in_sessions"] = 1
        if d.assisted:
            inc["assisted"] = 1
        effect.counters = _with_dims(inc, field_=d.field, procedure=d.procedure_code, channel=channel,
                                     officer=d.received_by)
        if d.session_id is not None:
            effect.counters.append(CounterChange("session", str(d.session_id), {"received": 1},
                                                 attrs={"session_date": str(d.session_date or "")}))
        effect.dossier = DossierChange(
            dossier_key(commune, d.dossier_code),
            set={"commune_code": commune, "dossier_code": d.dossier_code, "procedure_code": d.procedure_code,
                 "field": d.field, "channel": channel, "received_at": d.received_at},
            max={"due_at": d.appointment_at},
        )
        if d.received_by:
            effect.dossier.set["received_by"] = d.received_by
        return effect

    if kind == "ResultReturned":
        timeliness = _enum(d.timeliness)
        inc: dict[str, float] = {"returned": 1, timeliness: 1}
        if timeliness == "late" and not d.rescheduled:
            inc["late_not_rescheduled"] = 1
        if d.return_channel is ReturnChannel.AT_HOME:
            inc["returned_at_home"] = 1
        if d.free_of_charge:
            inc["returned_free_of_charge"] = 1
        hist = {}
        if d.processing_working_days is not None:
            inc["pwd_n"] = 1
            inc["pwd_sum"] = float(d.processing_working_days)
            hist = {str(round(d.processing_working_days * 100)): 1}
        effect.counters = _with_dims(inc, field_=d.field, procedure=d.procedure_code, channel=_enum(d.channel),
                                     officer=d.officer_id, hist=hist)
        change = DossierChange(
            dossier_key(commune, d.dossier_code),
            set={"commune_code": commune, "dossier_code": d.dossier_code, "procedure_code": d.procedure_code,
                 "field": d.field, "received_at": d.received_at, "ended_at": d.returned_at, "outcome": "returned",
                 "returned_at": d.returned_at, "timeliness": timeliness, "late": timeliness == "late"},
            max={"due_at": d.due_at or d.appointment_at},
        )
        if d.processing_working_days is not None:
            change.set["processing_working_days"] = float(d.processing_working_days)
        if d.officer_id:
            change.set["officer_id"] = d.officer_id
        effect.dossier = change
        return effect

    lifecycle = {
        "DossierSupplementRequested": ("supplements_requested", None, None),
        "DossierRefused": ("refused", "refused", "refused_at"),
        "DossierWithdrawn": ("withdrawn", "withdrawn", "withdrawn_at"),
        "DossierTransferred": ("transferred", "transferred", "transferred_at"),
        "DossierRescheduled": ("rescheduled", None, None),
    }
    if kind in lifecycle:
        counter, outcome, at_field = lifecycle[kind]
        effect.counters = _with_dims({counter: 1}, field_=d.field, procedure=d.procedure_code,
                                     channel=_enum(d.channel), officer=d.officer_id)
        change = DossierChange(
            dossier_key(commune, d.dossier_code),
            set={"commune_code": commune, "dossier_code": d.dossier_code, "procedure_code": d.procedure_code,
                 "field": d.field, "channel": _enum(d.channel), "received_at": d.received_at},
            max={"due_at": d.due_at},
        )
        if outcome:
            change.set.update({"outcome": outcome, "ended_at": getattr(d, at_field)})
        if kind == "DossierRescheduled":
            change.set["rescheduled"] = True
        effect.dossier = change
        return effect

    if kind == "SurveySubmitted":
        inc = {"ballots": 1}
        if d.satisfied:
            inc["satisfied"] = 1
        if d.complaint:
            inc["ballots_complaint"] = 1
        effect.counters = _with_dims(inc, field_=d.field, procedure=d.procedure_code, officer=d.officer_id,
                                     campaign=str(d.campaign_id) if d.campaign_id else None)
        for factor, score in sorted(d.factors.items()):
            factor_inc = {"ballots": 1, **({"satisfied": 1} if score >= SATISFIED_FROM else {})}
            effect.counters.append(CounterChange("factor", str(factor), factor_inc))
        if d.dossier_code:
            flags = {}
            if d.overall <= UNSATISFIED_UP_TO:
                flags["unsatisfied"] = True
            if d.complaint:
                flags["complained"] = True
            if flags:
                effect.dossier = DossierChange(dossier_key(commune, d.dossier_code),
                                               set={"commune_code": commune, "dossier_code": d.dossier_code,
                                                    **flags})
        return effect

    if kind == "FeedbackReceived":
        effect.counters = _with_dims({"feedback_received": 1}, procedure=d.procedure_code, officer=d.officer_id)
        if d.dossier_code:
            effect.dossier = DossierChange(dossier_key(commune, d.dossier_code),
                                           set={"commune_code": commune, "dossier_code": d.dossier_code,
                                                "complained": True})
        return effect

    if kind == "FeedbackAnswered":
        inc = {"feedback_answered": 1, **({"feedback_answered_on_time": 1} if d.on_time else {})}
        effect.counters = _with_dims(inc, procedure=d.procedure_code, officer=d.officer_id)
        return effect

    if kind == "LetterIssued":
        letter = _enum(d.letter_type)
        inc = {f"letters_{letter}": 1}
        if d.letter_type is LetterType.CONGRATULATION and d.life_event is not None:
            inc[f"letters_congratulation_{_enum(d.life_event)}"] = 1
        effect.counters = _with_dims(inc, procedure=d.procedure_code)
        return effect

    if kind in ("MessageSent", "MessageFailed"):
        outcome = "sent" if kind == "MessageSent" else "failed"
        inc = {f"messages_{outcome}": 1}
        if d.channel is NotifyChannel.SMS:
            inc[f"sms_{outcome}"] = 1
        effect.counters = _with_dims(inc)
        return effect

    if kind in ("SessionBooked", "SessionBookingCancelled"):
        # Counted on the day the booking was made or cancelled (the event's ``occurred_at``), not
        # on the session's date (``d.day``): "bookings taken this month" at the one-stop shop.
        counter = "session_bookings" if kind == "SessionBooked" else "session_bookings_cancelled"
        effect.counters = _with_dims({counter: 1})
        attrs = {"session_title": d.session_title} if kind == "SessionBooked" else {}
        effect.counters.append(CounterChange("session", str(d.session_id), {counter: 1}, attrs=attrs))
        return effect

    return None
