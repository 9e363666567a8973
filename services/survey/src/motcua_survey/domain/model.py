"""Satisfaction answers and the ballot (phiếu đánh giá). Pure: no I/O, no clock (times are
passed in).

One ballot per returned dossier, answered once through its one-time link (or QR code) on the
question set of the deployment (``questions.py``). Answers also come from the counter kiosk
(one tap, the overall question only) and from paper ballots entered by survey teams; each is
one :class:`SurveyAnswer`, whatever the channel, so figures are counted in one place.
"""

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from motcua_contracts import SurveyChannel

from motcua_survey.domain.questions import DEFAULT_QUESTION_SET, QUESTION_SETS, question_set

#: An overall rating at or above this is "satisfied" (4 satisfied, 5 very satisfied).
SATISFIED_FROM = 4
SCORES = range(1, 6)
#: "How many times did you have to come": more than this is surely a typing error.
MAX_VISITS = 20
MAX_COMMENT = 2000

#: Ballot tokens: lowercase letters and digits a citizen cannot confuse (no 0/o, 1/l/i) —
#: they are typed from an SMS or a printed slip. 10 of 31 symbols: about 49 bits.
TOKEN_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
TOKEN_LENGTH = 10


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

    def __init__(self, message: str, field_name: str = "overall") -> None:
        super().__init__(message)
        self.field_name = field_name


def is_satisfied(overall: int) -> bool:
    return overall >= SATISFIED_FROM


def _is_score(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in SCORES


def new_token() -> str:
    """A short unguessable one-time token for the SMS link ``/p/<token>``."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


@dataclass(frozen=True)
class Rating:
    """What a citizen answered, checked against the question set it answers."""

    overall: int
    factors: dict[str, int] = field(default_factory=dict)
    comment: str | None = None
    commitments: dict[str, int] = field(default_factory=dict)
    visits: int | None = None
    complaint: bool = False
    question_set: str = DEFAULT_QUESTION_SET

    def __post_init__(self) -> None:
        if self.question_set not in QUESTION_SETS:
            raise InvalidRating(f"unknown question set {self.question_set!r}", "question_set")
        questions = question_set(self.question_set)
        if not _is_score(self.overall):
            raise InvalidRating(f"overall must be 1..5, got {self.overall!r}", "overall")
        object.__setattr__(self, "factors", self._scores(self.factors, questions.factor_keys, "factors"))
        object.__setattr__(self, "commitments",
                           self._scores(self.commitments, questions.commitment_keys, "commitments"))
        if self.visits is not None and not (
                isinstance(self.visits, int) and not isinstance(self.visits, bool) and 1 <= self.visits <= MAX_VISITS):
            raise InvalidRating(f"visits must be 1..{MAX_VISITS}, got {self.visits!r}", "visits")
        comment = (self.comment or "").strip() or None
        if comment is not None and len(comment) > MAX_COMMENT:
            raise InvalidRating(f"comment longer than {MAX_COMMENT} characters", "comment")
        object.__setattr__(self, "comment", comment)
        object.__setattr__(self, "complaint", bool(self.complaint))

    @staticmethod
    def _scores(given: dict, known: frozenset[str], what: str) -> dict[str, int]:
        scores: dict[str, int] = {}
        for name, score in given.items():
            key = str(name)
            if key not in known:
                raise InvalidRating(f"unknown question {key!r} in {what}", f"{what}.{key}")
            if not _is_score(score):
                raise InvalidRating(f"{what}.{key} must be 1..5, got {score!r}", f"{what}.{key}")
            scores[key] = score
        return scores

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
    #: The answer, kept on the ballot unless it was given anonymously (then only in the answers).
    rating: Rating | None = None
    field: str | None = None
    #: The ballot was opened in anonymous mode: its answer never carries the dossier.
    anonymous: bool = False

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
        field: str | None = None,
        anonymous: bool = False,
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
            field=field,
            anonymous=anonymous,
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

    def submit(self, rating: Rating, now: datetime, *, anonymous: bool = False) -> "SurveyAnswer":
        """Take the one answer of this ballot; the answer as it is counted."""
        if self.status is BallotStatus.SUBMITTED:
            raise AlreadySubmitted(str(self.id))
        if self.is_expired(now):
            raise BallotExpired(str(self.id))
        anonymous = anonymous or self.anonymous
        self.status = BallotStatus.SUBMITTED
        self.submitted_at = now
        self.anonymous = anonymous
        # Anonymous: the ballot (which names the dossier) keeps only that it was used.
        self.rating = None if anonymous else rating
        return SurveyAnswer(
            id=self.id, commune_code=self.commune_code, channel=SurveyChannel.ONLINE, rating=rating,
            submitted_at=now, procedure_code=self.procedure_code, officer_id=self.officer_id, field=self.field,
            dossier_id=None if anonymous else self.dossier_id,
            dossier_code=None if anonymous else self.dossier_code, anonymous=anonymous,
        )


@dataclass
class SurveyAnswer:
    """One counted answer, from any channel. ``id`` is the ballot's id for a link ballot, the
    browser's id for a kiosk tap (so a resend is the same answer), a new id for paper."""

    id: UUID
    commune_code: str
    channel: SurveyChannel
    rating: Rating
    submitted_at: datetime
    procedure_code: str | None = None
    officer_id: str | None = None
    field: str | None = None
    dossier_id: UUID | None = None
    dossier_code: str | None = None
    campaign_id: UUID | None = None
    team_id: str | None = None
    paper_number: str | None = None
    anonymous: bool = False

    @property
    def satisfied(self) -> bool:
        return self.rating.satisfied
