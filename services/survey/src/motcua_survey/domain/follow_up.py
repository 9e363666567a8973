"""Follow-ups: a complaint ticked, or a very low overall score, puts an item on the commune
leader's list until the leader records what was done. Pure."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from motcua_survey.domain.model import SurveyAnswer


class FollowUpReason(StrEnum):
    COMPLAINT = "complaint"
    LOW_SCORE = "low_score"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class FollowUpError(Exception):
    code = "follow_up_error"


class FollowUpAlreadyResolved(FollowUpError):
    code = "follow_up_already_resolved"


def follow_up_reason(answer: SurveyAnswer, low_score_threshold: int) -> FollowUpReason | None:
    """Why this answer needs the leader, if it does: a complaint first, else an overall score
    at or below the threshold (configurable; 2 = "unsatisfied" and "very unsatisfied")."""
    if answer.rating.complaint:
        return FollowUpReason.COMPLAINT
    if answer.rating.overall <= low_score_threshold:
        return FollowUpReason.LOW_SCORE
    return None


@dataclass
class FollowUp:
    commune_code: str
    answer_id: UUID
    reason: FollowUpReason
    raised_at: datetime
    overall: int
    channel: str
    procedure_code: str | None = None
    officer_id: str | None = None
    dossier_code: str | None = None
    comment: str | None = None
    id: UUID = field(default_factory=uuid4)
    status: FollowUpStatus = FollowUpStatus.OPEN
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None

    @classmethod
    def of(cls, answer: SurveyAnswer, reason: FollowUpReason, now: datetime) -> "FollowUp":
        return cls(commune_code=answer.commune_code, answer_id=answer.id, reason=reason, raised_at=now,
                   overall=answer.rating.overall, channel=str(answer.channel),
                   procedure_code=answer.procedure_code, officer_id=answer.officer_id,
                   dossier_code=answer.dossier_code, comment=answer.rating.comment)

    def resolve(self, resolution: str, by: str, now: datetime) -> None:
        if self.status is FollowUpStatus.RESOLVED:
            raise FollowUpAlreadyResolved(str(self.id))
        self.status = FollowUpStatus.RESOLVED
        self.resolution = resolution
        self.resolved_by = by
        self.resolved_at = now
