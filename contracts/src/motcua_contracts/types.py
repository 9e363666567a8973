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
