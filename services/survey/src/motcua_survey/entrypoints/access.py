"""Who may call what on survey: every route's rule, in one table (motcua_runtime.auth).

Ballots of a commune are listed by its officers, leaders and survey team (district overseers
read them). A ballot is submitted by the citizen it was sent to — no account, the ballot's own
token proves it (checked by the submission) — or entered by the commune's staff or survey
team from a paper ballot. A route missing here is refused for everyone."""

from motcua_runtime.auth import COMMUNE_STAFF, AccessPolicy, Role, citizen_or_commune, commune

BALLOT_STAFF = COMMUNE_STAFF | {Role.SURVEY_TEAM_MEMBER}

ACCESS = AccessPolicy({
    ("GET", "/v1/communes/{commune_code}/ballots"): commune(write=False, roles=BALLOT_STAFF),
    ("POST", "/v1/communes/{commune_code}/ballots/{ballot_id}/submission"):
        citizen_or_commune(write=True, roles=BALLOT_STAFF),
})
