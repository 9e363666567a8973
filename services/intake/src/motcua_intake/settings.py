from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from motcua_runtime.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service_name: str = "intake"
    #: Local time zone of the communes (Vietnam, UTC+7).
    utc_offset_hours: int = 7
    #: A dossier received at or after this local hour counts from the next working day (verify per province).
    cutoff_hour: int = 15
    #: Local hour of the appointment on the due day (end of office hours).
    appointment_hour: int = 17
    #: Extra non-working days (ISO dates) until the yearly calendar of the next issue lands.
    holidays: list[str] = []
    #: Public address of the citizen pages: the receipt's QR code points to <this>/tra-cuu?ma=<code>.
    public_base_url: str = "http://127.0.0.1"
    #: How often the scheduler looks for dossiers due soon and overdue.
    deadline_scan_seconds: float = 60.0
    #: Days after a dossier ended (returned, refused, withdrawn, transferred) that the applicant's
    #: personal data is kept; then it is erased (docs/personal-data.md). Check the archive rules.
    personal_data_retention_days: int = Field(default=5 * 365, ge=1)
    #: Days after a session's date before its bookings' names and phones are erased.
    booking_retention_days: int = Field(default=30, ge=1)
    #: How often the retention job runs in the background.
    retention_scan_seconds: float = Field(default=6 * 3600, gt=0)

    # Citizens' ID numbers, phones and addresses are stored encrypted (adapters/encryption.py,
    # docs/personal-data.md). No default key: without one the service stops at start-up
    # rather than write personal data in clear.
    #: The local master key that wraps the data key: 96 random bytes, base64.
    data_key_master: SecretStr = SecretStr("")
    #: Or a file holding it (base64 text, or the 96 raw bytes), e.g. a mounted secret.
    data_key_master_file: str = ""
    #: Key vault collection ``<database>.<collection>``; empty: ``__keyVault`` in intake's database.
    key_vault_namespace: str = ""
    #: Alternate name of the data key, created once and found again by it at every start.
    data_key_alt_name: str = "intake-applicant"
