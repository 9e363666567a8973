"""Service-quality figures of a commune (or a dimension of it, or the district) over a period.
Pure functions, no I/O. Every figure's definition is in docs/reporting.md, next to its name.

A :class:`Figures` is built from the counters summed over the period's days (see
``domain.projection``) and, for the figures that need each dossier's life, from counts of the
dossiers read model (carried over, pending, Decision 766 satisfaction index).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from motcua_contracts import Channel, LifeEvent

from motcua_reporting.domain.projection import COUNTERS

#: Counts from the dossiers read model (0 where not computed, e.g. in a dimension's row).
DOSSIER_COUNTS: tuple[str, ...] = (
    "carried_over", "pending_not_due", "pending_overdue",
    "in_scope_766", "unsatisfied_766", "complained_766", "late_766", "penalised_766",
)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0 (a rate of nothing is not 0 %)."""
    return None if denominator <= 0 else numerator / denominator


def on_time_rate(early: int, on_time: int, returned: int) -> float | None:
    """Decision 766 on-time index: (early + on time) / results returned; None before any return."""
    return ratio(early + on_time, returned)


def ballot_satisfaction_rate(satisfied: int, ballots: int) -> float | None:
    """Ballot rate: satisfied ballots / ballots (548 / 600 = 0.913). NOT the Decision 766 index."""
    return ratio(satisfied, ballots)


def online_share(received_online: int, received: int) -> float | None:
    """Dossiers received online (online, assisted) / dossiers received."""
    return ratio(received_online, received)


def satisfaction_index_766(in_scope: int, penalised: int) -> float | None:
    """Decision 766 satisfaction index: (dossiers in scope − dossiers rated unsatisfied, complained
    about or late) / dossiers in scope. A dossier with several of these marks is taken off once."""
    return ratio(in_scope - penalised, in_scope)


def median_from_histogram(histogram: Mapping[str, int]) -> float | None:
    """The median of values counted in hundredths (bucket "250" = 2.5 days); None when empty.
    With an even count, the mean of the two middle values."""
    items = sorted((int(k), int(v)) for k, v in histogram.items() if int(v) > 0)
    total = sum(v for _, v in items)
    if total == 0:
        return None
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    seen, lower, upper = 0, None, None
    for value, count in items:
        if lower is None and seen + count > lower_rank:
            lower = value
        if seen + count > upper_rank:
            upper = value
            break
        seen += count
    return (lower + upper) / 200


@dataclass(frozen=True)
class Figures:
    """Summed counters (all of :data:`COUNTERS`, missing ones 0) plus dossier-model counts."""

    counters: Mapping[str, float] = field(default_factory=dict)
    dossiers: Mapping[str, int] = field(default_factory=dict)
    histogram: Mapping[str, int] = field(default_factory=dict)
    sessions_held: int = 0
    updated_at: datetime | None = None

    def __getattr__(self, name: str):
        if name in COUNTERS:
            value = self.counters.get(name, 0)
            return value if name == "pwd_sum" else int(value)
        if name in DOSSIER_COUNTS:
            return int(self.dossiers.get(name, 0))
        raise AttributeError(name)

    # --- rates and derived figures
    @property
    def received_by_channel(self) -> dict[str, int]:
        return {c.value: int(self.counters.get(f"received_ch_{c.value}", 0)) for c in Channel}

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(self.early, self.on_time, self.returned)

    @property
    def ballot_satisfaction_rate(self) -> float | None:
        return ballot_satisfaction_rate(self.satisfied, self.ballots)

    @property
    def online_share(self) -> float | None:
        return online_share(self.received_online, self.received)

    @property
    def satisfaction_index_766(self) -> float | None:
        return satisfaction_index_766(self.in_scope_766, self.penalised_766)

    @property
    def feedback_on_time_rate(self) -> float | None:
        return ratio(self.feedback_answered_on_time, self.feedback_answered)

    @property
    def apologies_expected(self) -> int:
        """One apology per reschedule, and one per late result that was not rescheduled."""
        return self.rescheduled + self.late_not_rescheduled

    @property
    def apology_gap(self) -> int:
        """Apologies expected − apology letters issued (0 when every one was written)."""
        return self.apologies_expected - self.letters_apology

    @property
    def average_processing_days(self) -> float | None:
        return ratio(self.counters.get("pwd_sum", 0.0), self.pwd_n)

    @property
    def median_processing_days(self) -> float | None:
        return median_from_histogram(self.histogram)

    def as_dict(self) -> dict:
        """Every figure by name (counts, then rates); what the API, exports and pages show."""
        out: dict = {name: getattr(self, name) for name in COUNTERS if name not in ("pwd_n", "pwd_sum")}
        out.update({name: getattr(self, name) for name in DOSSIER_COUNTS})
        out.update(
            received_by_channel=self.received_by_channel,
            letters_congratulation_by_life_event={e.value: getattr(self, f"letters_congratulation_{e.value}")
                                                  for e in (LifeEvent.MARRIAGE, LifeEvent.BIRTH)},
            sessions_held=self.sessions_held,
            apologies_expected=self.apologies_expected,
            apology_gap=self.apology_gap,
            processing_days_counted=self.pwd_n,
            average_processing_days=_round(self.average_processing_days, 2),
            median_processing_days=_round(self.median_processing_days, 2),
            on_time_rate=_round(self.on_time_rate),
            ballot_satisfaction_rate=_round(self.ballot_satisfaction_rate),
            satisfaction_index_766=_round(self.satisfaction_index_766),
            feedback_on_time_rate=_round(self.feedback_on_time_rate),
            online_share=_round(self.online_share),
            updated_at=self.updated_at,
        )
        return out

    def __add__(self, other: "Figures") -> "Figures":
        counters = {k: self.counters.get(k, 0) + other.counters.get(k, 0) for k in COUNTERS}
        dossiers = {k: self.dossiers.get(k, 0) + other.dossiers.get(k, 0) for k in DOSSIER_COUNTS}
        histogram = dict(self.histogram)
        for k, v in other.histogram.items():
            histogram[k] = histogram.get(k, 0) + v
        stamps = [t for t in (self.updated_at, other.updated_at) if t is not None]
        return Figures(counters, dossiers, histogram, self.sessions_held + other.sessions_held,
                       max(stamps) if stamps else None)


#: Rates are fractions between 0 and 1, rounded for display (the counts are exact).
RATE_DIGITS = 4


def _round(value: float | None, digits: int = RATE_DIGITS) -> float | None:
    return None if value is None else round(value, digits)


def district_total(communes: Iterable[Figures]) -> Figures:
    """Every count summed over the communes, rates recomputed from the sums (not an average of
    the communes' rates, which would weigh a commune with 5 dossiers like one with 500)."""
    total = Figures()
    for figures in communes:
        total = total + figures
    return total
