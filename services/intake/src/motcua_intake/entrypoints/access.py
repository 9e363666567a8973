"""Who may call what on intake: every route's rule, in one table (motcua_runtime.auth).

A route missing here is refused for everyone (and logged), and a test walks the OpenAPI
paths: a new endpoint cannot escape the check. Commune data goes to the commune's counter
officers and leaders (district overseers read it); deployment settings (catalogue, calendar,
operations) to administrators; citizens use the lookup, which proves ownership itself.
"""

from motcua_runtime.auth import (
    PUBLIC,
    SIGNED_IN,
    AccessPolicy,
    Role,
    admin,
    admin_or_commune,
    commune,
    district,
    roles,
)

READ = commune(write=False)
WRITE = commune(write=True)

DOSSIERS = "/v1/communes/{commune_code}/dossiers"
DOSSIER_ACTIONS = ("supplement-request", "supplement", "refusal", "assignment", "handovers", "result-ready",
                   "reschedule", "withdrawal", "transfer", "return")
SESSIONS = "/v1/communes/{commune_code}/sessions"
CALENDAR_EDITS = ("/v1/calendar/{year}/days-off/{day}", "/v1/calendar/{year}/make-up-days/{day}")

ACCESS = AccessPolicy({
    # The counter: a commune's dossiers, forms, ledger, out-of-hours sessions.
    ("POST", DOSSIERS): WRITE,
    ("GET", DOSSIERS): READ,
    ("GET", DOSSIERS + "/{dossier_code}"): READ,
    **{("POST", f"{DOSSIERS}/{{dossier_code}}/{action}"): WRITE for action in DOSSIER_ACTIONS},
    # The applicant's personal data, decrypted: staff of the commune (overseers read); logged.
    ("GET", DOSSIERS + "/{dossier_code}/applicant"): READ,
    # Another service (client credentials, role "service") fetching a citizen's contact; logged.
    ("GET", "/v1/internal/dossiers/{dossier_id}/contact"): roles(Role.SERVICE),
    ("GET", "/v1/internal/bookings/{booking_id}/contact"): roles(Role.SERVICE),
    # The personal-data access log: the commune leader reviews it; the overseer reads all.
    ("GET", "/v1/communes/{commune_code}/personal-data-access"): commune(write=False, roles={Role.COMMUNE_LEADER}),
    ("GET", "/v1/personal-data-access"): district(),
    # Retention runs: administrators start one; they, overseers and leaders read them.
    ("GET", "/v1/retention/runs"): roles(Role.ADMINISTRATOR, Role.DISTRICT_OVERSEER, Role.COMMUNE_LEADER),
    ("POST", "/v1/retention/runs"): admin(),
    ("GET", DOSSIERS + "/{dossier_code}/forms"): READ,
    ("GET", DOSSIERS + "/{dossier_code}/forms/{form}.html"): READ,
    ("GET", DOSSIERS + "/{dossier_code}/forms/{form}.pdf"): READ,
    ("GET", "/v1/communes/{commune_code}/ledger"): READ,
    ("POST", SESSIONS): WRITE,
    ("GET", SESSIONS): READ,
    ("GET", SESSIONS + "/{session_id}/occurrences"): READ,
    ("POST", SESSIONS + "/{session_id}/bookings"): WRITE,
    ("GET", SESSIONS + "/{session_id}/bookings"): READ,
    ("POST", SESSIONS + "/{session_id}/bookings/{booking_id}/cancellation"): WRITE,
    # A commune's own settings: its letterhead, its procedure overrides.
    ("GET", "/v1/communes/{commune_code}/profile"): READ,
    ("PUT", "/v1/communes/{commune_code}/profile"): admin_or_commune(),
    ("PUT", "/v1/catalogue/communes/{commune_code}/procedures/{code}"): admin_or_commune(),
    ("DELETE", "/v1/catalogue/communes/{commune_code}/procedures/{code}"): admin_or_commune(),
    # Reference data every signed-in role reads; administrators change it.
    ("GET", "/v1/catalogue/procedures"): SIGNED_IN,
    ("GET", "/v1/catalogue/procedures/{code}"): SIGNED_IN,
    ("GET", "/v1/catalogue/export"): SIGNED_IN,
    ("POST", "/v1/catalogue/procedures"): admin(),
    ("PUT", "/v1/catalogue/procedures/{code}"): admin(),
    ("POST", "/v1/catalogue/import"): admin(),
    ("GET", "/v1/calendar/appointment"): SIGNED_IN,
    ("GET", "/v1/calendar/{year}"): SIGNED_IN,
    **{(method, path): admin() for path in CALENDAR_EDITS for method in ("PUT", "DELETE")},
    ("POST", "/v1/calendar/{year}/swaps"): admin(),
    ("POST", "/v1/calendar/{year}/reset"): admin(),
    ("POST", "/v1/deadline-scan"): admin(),
    # Citizens: no account; the lookup asks for the code and phone digits (and is rate limited).
    ("GET", "/v1/public/dossiers/{dossier_code}/status"): PUBLIC,
    ("POST", "/v1/public/dossiers/{dossier_code}/opt-out"): PUBLIC,
    ("GET", "/tra-cuu"): PUBLIC,
    # The fonts printed forms embed: not data.
    ("GET", "/v1/forms/fonts/{name}"): PUBLIC,
    # Counter pages read like the API; a browser that is not signed in goes to the sign-in page.
    ("GET", "/quay/{commune_code}/*"): READ.as_page(),
    # Out-of-hours session pages post their forms to themselves: scheduling, booking, cancelling.
    ("POST", "/quay/{commune_code}/phien-ngoai-gio"): WRITE.as_page(),
    ("POST", "/quay/{commune_code}/phien-ngoai-gio/{session_id}"): WRITE.as_page(),
    # The leader's review of the personal-data access log (the overseer reads it too).
    ("GET", "/quay/{commune_code}/nhat-ky-du-lieu-ca-nhan"): commune(write=False, roles={Role.COMMUNE_LEADER}).as_page(),
})
