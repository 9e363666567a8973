"""Survey campaigns: a baseline before the friendly model starts, a yearly survey by the
Fatherland Front… each with a period, communes, a target sample size and a channel; answers
entered for it count towards its progress; two campaigns compare before/after. Pure."""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from motcua_contracts import SurveyChannel



class CampaignKind(StrEnum):
    BASELINE = "baseline"  # before a model starts
    YEARLY = "yearly"
    OTHER = "other"


#: Channels a campaign runs on (the counter kiosk is not a campaign's).
CAMPAIGN_CHANNELS = (SurveyChannel.PHONE, SurveyChannel.IN_PERSON, SurveyChannel.ONLINE, SurveyChannel.PAPER)


class CampaignError(Exception):
    code = "campaign_error"


class InvalidCampaign(CampaignError):
    code = "invalid_campaign"

    def __init__(self, message: str, message_vi: str | None = None) -> None:
        super().__init__(message)
        self.message_vi = message_vi


class AnsweredOutsideCampaign(CampaignError):
    """A paper ballot dated outside its campaign's days, or in the future."""

    code = "answered_outside_campaign"

    def __init__(self, day: date, first: date, last: date) -> None:
        super().__init__(f"{day} is not between {first} and {last}")
        self.day, self.first, self.last = day, first, last


#: The days a new campaign may cover, and how long it may last: beyond them a date is a typing
#: error (0001-01-01 to 9999-12-31 was accepted before).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_CAMPAIGN_DAYS = 3 * 366


def check_new_dates(starts_on: date, ends_on: date) -> None:
    """A new campaign's days (stored campaigns are not checked again when read)."""
    if not (FIRST_DAY <= starts_on <= LAST_DAY and FIRST_DAY <= ends_on <= LAST_DAY):
        raise InvalidCampaign(f"the days must fall between {FIRST_DAY} and {LAST_DAY}",
                              f"ngày bắt đầu và kết thúc phải nằm trong khoảng {FIRST_DAY:%d/%m/%Y} – "
                              f"{LAST_DAY:%d/%m/%Y}")
    if (ends_on - starts_on).days > MAX_CAMPAIGN_DAYS:
        raise InvalidCampaign("a campaign lasts at most three years", "một đợt khảo sát kéo dài tối đa ba năm")


def check_answered_on(campaign: "Campaign", day: date, today: date) -> None:
    """A paper ballot is answered during its campaign, and not after today."""
    last = min(campaign.ends_on, today)
    if not campaign.starts_on <= day <= last:
        raise AnsweredOutsideCampaign(day, campaign.starts_on, last)


@dataclass
class Campaign:
    name: str
    kind: CampaignKind
    starts_on: date
    ends_on: date
    communes: tuple[str, ...]
    target_sample: int
    channel: SurveyChannel
    question_set: str
    created_at: datetime
    created_by: str
    run_by: str | None = None  # e.g. "Ủy ban MTTQ huyện"
    id: UUID = field(default_factory=uuid4)

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise InvalidCampaign("ends_on is before starts_on")
        if not self.communes:
            raise InvalidCampaign("a campaign needs at least one commune")
        if self.target_sample < 1:
            raise InvalidCampaign("target_sample must be at least 1")
        if self.channel not in CAMPAIGN_CHANNELS:
            raise InvalidCampaign(f"channel {self.channel} is not a campaign channel")

    def covers(self, commune_code: str) -> bool:
        return commune_code in self.communes

    def runs_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Tally:
    """Answers counted: how many, how many satisfied, factor averages."""

    answers: int = 0
    satisfied: int = 0
    factor_means: dict[str, float] = field(default_factory=dict)

    @property
    def satisfaction_rate(self) -> float | None:
        return round(self.satisfied / self.answers, 4) if self.answers else None


def progress(campaign: Campaign, tally: Tally) -> float:
    """Share of the target sample reached (may pass 1.0: more answers than planned)."""
    return round(tally.answers / campaign.target_sample, 4)


def compare(before: Tally, after: Tally) -> dict:
    """Before/after: the change of the satisfaction rate (percentage points) and of each
    factor's mean. Only comparable when both used the same question set (checked by the caller)."""
    rate_change = None
    if before.satisfaction_rate is not None and after.satisfaction_rate is not None:
        rate_change = round((after.satisfaction_rate - before.satisfaction_rate) * 100, 2)
    factors = sorted(set(before.factor_means) | set(after.factor_means))
    return {
        "satisfaction_rate_change_points": rate_change,
        "factor_mean_change": {
            f: (round(after.factor_means[f] - before.factor_means[f], 2)
                if f in before.factor_means and f in after.factor_means else None)
            for f in factors
        },
    }
