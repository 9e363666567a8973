"""Who may call what on survey: every route's rule, in one table (motcua_runtime.auth).

- Ballots, answers, follow-ups and feedback of a commune are read by its officers, leaders and
  survey team (district overseers read them too).
- A ballot is answered by the citizen it was sent to — no account, the ballot's own token
  proves it — or entered by the commune's staff or survey team.
- The counter kiosk is a tablet signed in by a counter officer of the commune.
- Paper batches are entered by survey team members of their own communes only.
- Follow-ups are resolved by the commune leader; feedback is owned and answered by staff.
- Campaigns are planned by administrators; every signed-in role reads them and their progress
  (counts only, no answer).
- Citizens send feedback and follow it by its public code; no account.
A route missing here is refused for everyone."""

from motcua_runtime.auth import (
    COMMUNE_STAFF,
    PUBLIC,
    SIGNED_IN,
    AccessPolicy,
    Role,
    admin,
    citizen_or_commune,
    commune,
    roles,
)

BALLOT_STAFF = COMMUNE_STAFF | {Role.SURVEY_TEAM_MEMBER}
READ = commune(write=False, roles=BALLOT_STAFF)
STAFF_WRITE = commune(write=True)
LEADER = commune(write=True, roles={Role.COMMUNE_LEADER})
SURVEY_TEAM = commune(write=True, roles={Role.SURVEY_TEAM_MEMBER})

C = "/v1/communes/{commune_code}"
PAGES = "/khao-sat/{commune_code}"

ACCESS = AccessPolicy({
    ("GET", "/v1/questions"): SIGNED_IN,
    # Another service (notify, client credentials): a ballot's one-time link, to invite the citizen.
    ("GET", "/v1/internal/ballots/{ballot_id}/link"): roles(Role.SERVICE),
    # Ballots
    ("GET", C + "/ballots"): READ,
    ("POST", C + "/ballots/{ballot_id}/submission"): citizen_or_commune(write=True, roles=BALLOT_STAFF),
    # Answers from every channel
    ("GET", C + "/answers"): READ,
    ("GET", C + "/satisfaction"): READ,
    ("POST", C + "/kiosk/answers"): STAFF_WRITE,
    ("POST", C + "/paper-batches"): SURVEY_TEAM,
    # Follow-ups
    ("GET", C + "/follow-ups"): READ,
    ("POST", C + "/follow-ups/{follow_up_id}/resolution"): LEADER,
    # Campaigns
    ("POST", "/v1/campaigns"): admin(),
    ("GET", "/v1/campaigns"): SIGNED_IN,
    ("GET", "/v1/campaigns/comparison"): SIGNED_IN,
    ("GET", "/v1/campaigns/{campaign_id}"): SIGNED_IN,
    # Feedback and petitions
    ("GET", C + "/feedback"): READ,
    ("GET", C + "/feedback/{code}"): READ,
    ("POST", C + "/feedback/{code}/owner"): STAFF_WRITE,
    ("POST", C + "/feedback/{code}/reply"): STAFF_WRITE,
    # Citizens: the ballot's token or the feedback's code is the proof; no account.
    ("GET", "/v1/public/ballots/{token}"): PUBLIC,
    ("POST", "/v1/public/ballots/{token}/submission"): PUBLIC,
    ("POST", "/v1/public/feedback"): PUBLIC,
    ("GET", "/v1/public/feedback/{code}"): PUBLIC,
    ("GET", "/p/{token}"): PUBLIC,
    ("POST", "/p/{token}"): PUBLIC,
    ("GET", "/phan-anh"): PUBLIC,
    ("POST", "/phan-anh"): PUBLIC,
    ("GET", "/phan-anh/{code}"): PUBLIC,
    # Officers' pages read like the API; a browser that is not signed in goes to the sign-in page.
    ("GET", PAGES + "/*"): READ.as_page(),
    ("GET", PAGES + "/kiosk"): STAFF_WRITE.as_page(),
    ("POST", PAGES + "/theo-doi/{follow_up_id}"): LEADER.as_page(),
    ("POST", PAGES + "/phan-anh/{code}"): STAFF_WRITE.as_page(),
    ("GET", "/khao-sat-chien-dich"): SIGNED_IN.as_page(),
})
