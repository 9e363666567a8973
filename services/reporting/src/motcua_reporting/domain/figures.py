"""Service-quality figures of a commune and of the district. Pure functions, no I/O.

Reporting keeps counters per commune (and per commune and day) that events
increment; every figure shown to users is computed here from those counters.

Counters (all start at 0):

- ``received``: dossiers received (DossierReceived), also split by submission
  channel in ``received_by_channel`` (counter, online, post, out_of_hours, at_home,
  assisted);
- ``returned``: results handed back (ResultReturned), split by timeliness against
  the appointment date into ``early`` (trước hạn), ``on_time`` (đúng hạn) and
  ``late`` (quá hạn), so early + on_time + late == returned;
- ``returned_at_home``: results handed back at the citizen's home (trả kết quả tại nhà);
- ``returned_free_of_charge``: results handed back free of charge to a priority group
  (ResultReturned with ``free_of_charge``);
- ``ballots``: satisfaction ballots submitted (SurveySubmitted), of which
  ``satisfied`` were "satisfied" or "very satisfied" (SIPAS 4 or 5);
- ``received_in_sessions``: dossiers received in an out-of-hours session (DossierReceived
  with a ``session_id``);
- ``assisted``: dossiers whose submission a volunteer assisted (DossierReceived with
  ``assisted``), whatever their channel;
- ``supplements_requested``: supplement requests (DossierSupplementRequested; at most one
  per dossier, since missing items are asked for once);
- ``refused``: dossiers refused (DossierRefused);
- ``withdrawn``: dossiers withdrawn by the citizen (DossierWithdrawn);
- ``rescheduled``: reschedules (DossierRescheduled), i.e. the number of times an
  appointment was moved with an apology, not the number of dossiers rescheduled (a dossier
  moved twice counts 2).

Each event counts once (the processed mark commits with the counters), per commune and
per commune and day.

Skeleton depth: whole-history figures per commune and for the district; the
per-day counters exist so that periods (month, quarter, year) can follow.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

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
)

#: Vietnam local time (Indochina Time, no daylight saving): the day a fact belongs to.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

#: Plain counters of the read model (``received_by_channel`` is a nested map besides these).
COUNTERS: tuple[str, ...] = (
    "received", "returned", "early", "on_time", "late", "returned_at_home", "ballots", "satisfied",
    "received_in_sessions", "assisted", "returned_free_of_charge",
    "supplements_requested", "refused", "withdrawn", "rescheduled",
)

#: Submission channels that are online submissions (for :func:`online_share`): online, and
#: online with a volunteer's help (nộp trực tuyến có hỗ trợ).
ONLINE_CHANNELS: tuple[str, ...] = (Channel.ONLINE.value, Channel.ASSISTED.value)

#: Counter increments an event calls for: field path (dotted for nested maps) -> amount.
Increments = dict[str, int]


def local_day(moment: datetime) -> str:
    """The calendar day (YYYY-MM-DD) of ``moment`` in Vietnam local time (UTC+7).

    A dossier received at 23:30 UTC on 31 Jan belongs to 1 Feb in the commune.
    """
    if moment.tzinfo is None:
        raise ValueError("moment must carry a timezone")
    return moment.astimezone(VIETNAM_TZ).strftime("%Y-%m-%d")


# --- What each event adds -------------------------------------------------------------


def increments_for_dossier_received(event: DossierReceived) -> Increments:
    """One more dossier received, and one more through its submission channel; one more
    ``received_in_sessions`` when it was received in an out-of-hours session (it has a
    ``session_id``), one more ``assisted`` when a volunteer assisted its submission."""
    counts = {"received": 1, f"received_by_channel.{Channel(event.channel).value}": 1}
    if event.session_id is not None:
        counts["received_in_sessions"] = 1
    if event.assisted:
        counts["assisted"] = 1
    return counts


def increments_for_result_returned(event: ResultReturned) -> Increments:
    """One more result returned, counted as early, on time or late; and as returned at
    home when the result was handed back at the citizen's home; and as returned free of
    charge when it was (``free_of_charge``, a priority group)."""
    counts = {"returned": 1, event.timeliness.value: 1}
    if event.return_channel is ReturnChannel.AT_HOME:
        counts["returned_at_home"] = 1
    if event.free_of_charge:
        counts["returned_free_of_charge"] = 1
    return counts


def increments_for_supplement_requested(event: DossierSupplementRequested) -> Increments:
    """One more supplement request (the citizen asked, once, for every missing item)."""
    return {"supplements_requested": 1}


def increments_for_dossier_refused(event: DossierRefused) -> Increments:
    """One more dossier refused."""
    return {"refused": 1}


def increments_for_dossier_withdrawn(event: DossierWithdrawn) -> Increments:
    """One more dossier withdrawn by the citizen."""
    return {"withdrawn": 1}


def increments_for_dossier_rescheduled(event: DossierRescheduled) -> Increments:
    """One more reschedule (a new appointment with an apology); a dossier rescheduled
    twice counts twice."""
    return {"rescheduled": 1}


def increments_for_survey_submitted(event: SurveySubmitted) -> Increments:
    """One more ballot, and one more satisfied ballot when the citizen was satisfied
    (overall 4 or 5 on the SIPAS 5-point scale; the event's ``satisfied`` flag)."""
    counts = {"ballots": 1}
    if event.satisfied:
        counts["satisfied"] = 1
    return counts


# --- Rates -----------------------------------------------------------------------------


def on_time_rate(early: int, on_time: int, returned: int) -> float | None:
    """On-time rate (tỷ lệ giải quyết đúng hạn), as in Decision 766/QĐ-TTg:

        on_time_rate = (dossiers resolved early + dossiers resolved on time) / dossiers resolved

    Here "resolved" means the result was returned (ResultReturned). A fraction
    between 0 and 1 (Sao Vàng: (432 + 97) / 535 = 0.9888); ``None`` when nothing was
    returned yet, since a rate of nothing is not 0 % nor 100 %.
    """
    if returned <= 0:
        return None
    return (early + on_time) / returned


def ballot_satisfaction_rate(satisfied: int, ballots: int) -> float | None:
    """Ballot satisfaction rate (tỷ lệ phiếu hài lòng):

        ballot_satisfaction_rate = ballots rated satisfied or very satisfied / ballots submitted

    A fraction between 0 and 1 (Cao Lãnh city one-stop: 548 / 600 = 0.913, i.e. 91.3 %);
    ``None`` when no ballot was submitted.

    This is NOT the satisfaction index of Decision 766/QĐ-TTg, which is
    (dossiers in scope − those rated unsatisfied, complained about, or late) / dossiers
    in scope: it counts dossiers, not ballots, and needs the dossiers in scope, the
    complaints and the lateness of each dossier together. That index comes in a later
    issue; both are to be reported, each with its own label.
    """
    if ballots <= 0:
        return None
    return satisfied / ballots


def online_share(received_online: int, received: int) -> float | None:
    """Online share (tỷ lệ hồ sơ trực tuyến):

        online_share = dossiers received online / dossiers received

    "Online" means submitted through the online channel, with or without a volunteer's
    help (channels ``online`` and ``assisted``, see :data:`ONLINE_CHANNELS`). A fraction
    between 0 and 1, to compare with the district's target (e.g. ≥ 0.30); ``None`` when
    nothing was received.
    """
    if received <= 0:
        return None
    return received_online / received


# --- The figures of a commune or of the district -------------------------------------------


def _count(value: object) -> int:
    return int(value) if isinstance(value, (int, float)) else 0


@dataclass(frozen=True)
class Figures:
    """Counters of one commune (or their sum over the district) and the rates from them."""

    received: int = 0
    received_by_channel: Mapping[str, int] = field(default_factory=dict)
    returned: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    returned_at_home: int = 0
    ballots: int = 0
    satisfied: int = 0
    received_in_sessions: int = 0
    assisted: int = 0
    returned_free_of_charge: int = 0
    supplements_requested: int = 0
    refused: int = 0
    withdrawn: int = 0
    rescheduled: int = 0
    #: When the counters last changed; ``None`` before the first event.
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        # Every known channel is present (0 when none), so the shape never depends on the data;
        # a channel unknown to this version is kept as it came.
        channels = {c.value: 0 for c in Channel}
        channels.update({str(k): _count(v) for k, v in self.received_by_channel.items()})
        object.__setattr__(self, "received_by_channel", MappingProxyType(channels))

    @classmethod
    def from_counters(cls, counters: Mapping[str, object] | None) -> "Figures":
        """Figures from a stored counters document; missing counters are 0, so
        ``None`` (a commune with no event yet) gives all zeros."""
        counters = counters or {}
        by_channel = counters.get("received_by_channel")
        updated_at = counters.get("updated_at")
        return cls(
            **{name: _count(counters.get(name)) for name in COUNTERS},
            received_by_channel=by_channel if isinstance(by_channel, Mapping) else {},
            updated_at=updated_at if isinstance(updated_at, datetime) else None,
        )

    @property
    def on_time_rate(self) -> float | None:
        """See :func:`on_time_rate`."""
        return on_time_rate(self.early, self.on_time, self.returned)

    @property
    def ballot_satisfaction_rate(self) -> float | None:
        """See :func:`ballot_satisfaction_rate` (not the Decision 766 satisfaction index)."""
        return ballot_satisfaction_rate(self.satisfied, self.ballots)

    @property
    def received_online(self) -> int:
        """Dossiers received through an online channel (see :data:`ONLINE_CHANNELS`)."""
        return sum(self.received_by_channel.get(c, 0) for c in ONLINE_CHANNELS)

    @property
    def online_share(self) -> float | None:
        """See :func:`online_share`."""
        return online_share(self.received_online, self.received)

    def __add__(self, other: "Figures") -> "Figures":
        channels = dict(self.received_by_channel)
        for name, count in other.received_by_channel.items():
            channels[name] = channels.get(name, 0) + count
        stamps = [t for t in (self.updated_at, other.updated_at) if t is not None]
        return Figures(
            **{name: getattr(self, name) + getattr(other, name) for name in COUNTERS},
            received_by_channel=channels,
            updated_at=max(stamps) if stamps else None,
        )


def district_total(communes: Iterable[Figures]) -> Figures:
    """The district's figures: every counter summed over its communes, and the rates
    computed from those sums (not an average of the communes' rates, which would
    weigh a commune with 5 dossiers like one with 500)."""
    total = Figures()
    for figures in communes:
        total = total + figures
    return total
