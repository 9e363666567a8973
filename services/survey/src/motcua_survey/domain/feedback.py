"""Feedback and petitions (phản ánh, kiến nghị) from citizens and businesses. Pure.

Each item gets a public code the sender follows it with, a reply due date in working days
from receipt (counted by ``motcua_runtime.due_dates``), an owner among the commune's staff,
and one reply. An item answered after its due date stays marked as answered late.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from motcua_contracts import FeedbackKind

#: Code prefixes a citizen reads: PA = phản ánh, KN = kiến nghị.
CODE_PREFIX = {FeedbackKind.FEEDBACK: "PA", FeedbackKind.PETITION: "KN"}
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_CONTENT = 4000


class SenderType(StrEnum):
    CITIZEN = "citizen"
    BUSINESS = "business"


class FeedbackStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"  # an owner took it
    ANSWERED = "answered"


class FeedbackError(Exception):
    code = "feedback_error"


class FeedbackAlreadyAnswered(FeedbackError):
    code = "feedback_already_answered"


def new_feedback_code(kind: FeedbackKind) -> str:
    """``PA-7K3M9QXD``: short enough to write down, unguessable enough that the status page
    (which shows the reply) needs no other proof."""
    return f"{CODE_PREFIX[kind]}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


@dataclass
class Feedback:
    commune_code: str
    kind: FeedbackKind
    content: str
    received_at: datetime
    due_at: datetime
    code: str
    sender_type: SenderType = SenderType.CITIZEN
    #: What the sender chose to give (a name or a business name); no phone, no address:
    #: the public code is how they follow the item.
    sender_name: str | None = None
    procedure_code: str | None = None
    officer_id: str | None = None
    dossier_code: str | None = None
    id: UUID = field(default_factory=uuid4)
    status: FeedbackStatus = FeedbackStatus.RECEIVED
    owner: str | None = None
    reply: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None

    def assign(self, owner: str) -> None:
        if self.status is FeedbackStatus.ANSWERED:
            raise FeedbackAlreadyAnswered(self.code)
        self.owner = owner
        self.status = FeedbackStatus.IN_PROGRESS

    def answer(self, reply: str, by: str, now: datetime) -> None:
        if self.status is FeedbackStatus.ANSWERED:
            raise FeedbackAlreadyAnswered(self.code)
        self.reply = reply
        self.answered_by = by
        self.answered_at = now
        self.owner = self.owner or by
        self.status = FeedbackStatus.ANSWERED

    @property
    def answered_on_time(self) -> bool | None:
        return None if self.answered_at is None else self.answered_at <= self.due_at

    def is_overdue(self, now: datetime) -> bool:
        """Not answered and past its due date (what the officer's list warns about)."""
        return self.answered_at is None and now > self.due_at

    def late(self, now: datetime) -> bool:
        """Answered late, or still unanswered past the due date: shown as late everywhere."""
        return (self.answered_at or now) > self.due_at
