from pydantic import Field
from pydantic_settings import SettingsConfigDict

from motcua_runtime.settings import ServiceSettings


class SurveySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SURVEY_", extra="ignore")

    service_name: str = "survey"
    #: Days a ballot stays open after it was opened (the result was returned).
    ballot_ttl_days: int = Field(default=30, ge=1)
