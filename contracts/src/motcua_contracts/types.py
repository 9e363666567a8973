"""Small shared value types used by events."""

from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

#: A commune (xã/phường/thị trấn) code: the tenant. It is a NATS subject token, so it
#: may hold only letters, digits, '-' and '_' (no dots, no wildcards, no spaces).
CommuneCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class Channel(StrEnum):
    """How a dossier reached the one-stop shop."""

    COUNTER = "counter"  # tại quầy
    ONLINE = "online"  # trực tuyến
    POST = "post"  # bưu chính công ích
    OUT_OF_HOURS = "out_of_hours"  # phiên ngoài giờ hành chính
    AT_HOME = "at_home"  # tiếp nhận tại nhà
    ASSISTED = "assisted"  # nộp trực tuyến có hỗ trợ (đoàn viên, tình nguyện viên)


class ReturnChannel(StrEnum):
    """How the result was handed back."""

    COUNTER = "counter"
    AT_HOME = "at_home"  # trả kết quả tại nhà
    POST = "post"
    ONLINE = "online"


class Timeliness(StrEnum):
    """Result returned before, on, or after its appointment date."""

    EARLY = "early"  # trước hạn
    ON_TIME = "on_time"  # đúng hạn
    LATE = "late"  # quá hạn


class LifeEvent(StrEnum):
    """The civil-status life event a procedure records, used for letters."""

    MARRIAGE = "marriage"
    BIRTH = "birth"
    DEATH = "death"


class LetterType(StrEnum):
    """The letters a friendly commune sends."""

    APOLOGY = "apology"  # thư xin lỗi và hẹn lại ngày trả kết quả
    CONGRATULATION = "congratulation"  # thư chúc mừng
    CONDOLENCE = "condolence"  # thư chia buồn
    THANKS = "thanks"  # thư cảm ơn


class NotifyChannel(StrEnum):
    """How notify delivers a letter or a message."""

    PRINT = "print"  # in và trao tay / gửi bưu điện
    SMS = "sms"
    EMAIL = "email"
    ZALO = "zalo"  # Zalo Official Account


class SurveyChannel(StrEnum):
    """How a satisfaction answer was collected."""

    ONLINE = "online"  # one-time ballot link or QR code
    KIOSK = "kiosk"  # rating tablet at the counter
    PAPER = "paper"  # paper ballot entered by a survey team
    PHONE = "phone"  # phone survey by a survey team
    IN_PERSON = "in_person"  # interview by a survey team


class FeedbackKind(StrEnum):
    """Phản ánh (feedback about a procedure or an officer) or kiến nghị (petition/proposal)."""

    FEEDBACK = "feedback"
    PETITION = "petition"
