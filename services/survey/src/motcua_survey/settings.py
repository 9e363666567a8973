from pydantic import Field
from pydantic_settings import SettingsConfigDict

from motcua_runtime.settings import ServiceSettings


class SurveySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SURVEY_", extra="ignore")

    service_name: str = "survey"
    #: Days a ballot stays open after it was opened (the result was returned).
    ballot_ttl_days: int = Field(default=30, ge=1)
    #: Where citizens reach this service (the short link and QR code on the return slip:
    #: ``<public_base_url>/p/<token>``). Empty: the address the request came to.
    public_base_url: str = ""
    #: Version of the question set every answer of this deployment answers (domain/questions.py).
    question_set: str = "sipas-2025.1"
    #: Anonymous mode for the whole deployment: answers never keep the dossier.
    anonymous: bool = False
    #: An overall score at or below this raises a follow-up for the commune leader.
    follow_up_max_score: int = Field(default=2, ge=1, le=5)
    #: Working days to reply to feedback or a petition.
    feedback_due_working_days: int = Field(default=10, ge=1, le=60)
    #: Public feedback accepted per client address and hour (a flood stops here).
    feedback_per_hour: int = Field(default=30, ge=1)
    #: The communes' offset from UTC (Vietnam: +7), for dates on pages and due dates.
    utc_offset_hours: int = 7
