"""The satisfaction ballot (phiếu đánh giá) and its rules. Pure: no I/O, no clock
(times are passed in).

One ballot per dossier, opened when the result is returned, answered once on the
SIPAS 5-point scale: an overall rating and, optionally, the five SIPAS factors
(access, the procedure, the officer, the result, feedback handling).
"""

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

#: An overall rating at or above this is "satisfied" (4 satisfied, 5 very satisfied).
SATISFIED_FROM = 4
SCORES = range(1, 6)


class BallotStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    #: Never stored: an open ballot past its expiry reads as expired.
    EXPIRED = "expired"


class SipasFactor(StrEnum):
    """The five factors of the SIPAS satisfaction index."""

    ACCESS = "access"  # tiếp cận dịch vụ
    PROCEDURE = "procedure"  # thủ tục hành chính
    OFFICER = "officer"  # công chức giải quyết
    RESULT = "result"  # kết quả giải quyết
    FEEDBACK = "feedback"  # tiếp nhận, xử lý góp ý, phản ánh, kiến nghị


class BallotError(Exception):
    code = "ballot_error"


class AlreadySubmitted(BallotError):
    code = "ballot_already_submitted"


class BallotExpired(BallotError):
    code = "ballot_expired"


class InvalidRating(BallotError):
    code = "invalid_rating"


def is_satisfied(overall: int) -> bool:
    return overall >= SATISFIED_FROM


def _is_score(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in SCORES


def new_token() -> str:
    """Short unguessable one-time token for the SMS link (11 URL-safe characters)."""
    return secrets.token_urlsafe(8)


@dataclass(frozen=True)
class Rating:
    overall: int
    factors: dict[SipasFactor, int] = field(default_factory=dict)
    comment: str | None = None

    def __post_init__(self) -> None:
        if not _is_score(self.overall):
            raise InvalidRating(f"overall must be 1..5, got {self.overall!r}")
        factors = {}
        for name, score in self.factors.items():
            try:
                factor = SipasFactor(name)
            except ValueError:
                raise InvalidRating(f"unknown SIPAS factor {name!r}") from None
            if not _is_score(score):
                raise InvalidRating(f"{factor} must be 1..5, got {score!r}")
            factors[factor] = score
        object.__setattr__(self, "factors", factors)

    @property
    def satisfied(self) -> bool:
        return is_satisfied(self.overall)


@dataclass
class Ballot:
    commune_code: str
    dossier_id: UUID
    dossier_code: str
    procedure_code: str
    officer_id: str | None
    token: str
    opened_at: datetime
    expires_at: datetime
    id: UUID = field(default_factory=uuid4)
    status: BallotStatus = BallotStatus.OPEN
    submitted_at: datetime | None = None
    rating: Rating | None = None

    @classmethod
    def open(
        cls,
        *,
        commune_code: str,
        dossier_id: UUID,
        dossier_code: str,
        procedure_code: str,
        officer_id: str | None,
        opened_at: datetime,
        ttl: timedelta,
        token: str | None = None,
    ) -> "Ballot":
        return cls(
            commune_code=commune_code,
            dossier_id=dossier_id,
            dossier_code=dossier_code,
            procedure_code=procedure_code,
            officer_id=officer_id,
            token=token or new_token(),
            opened_at=opened_at,
            expires_at=opened_at + ttl,
        )

    def token_matches(self, token: str) -> bool:
        """The citizen's link carries this ballot's token (compared in constant time)."""
        return hmac.compare_digest(self.token.encode(), token.encode())

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def status_at(self, now: datetime) -> BallotStatus:
        if self.status is BallotStatus.OPEN and self.is_expired(now):
            return BallotStatus.EXPIRED
        return self.status

    def submit(self, rating: Rating, now: datetime) -> None:
        if self.status is BallotStatus.SUBMITTED:
            raise AlreadySubmitted(str(self.id))
        if self.is_expired(now):
            raise BallotExpired(str(self.id))
        self.status = BallotStatus.SUBMITTED
        self.submitted_at = now
        self.rating = rating
