"""Who may call what on reporting: every route's rule, in one table (motcua_runtime.auth).

A commune's figures go to its officers and leaders (and district overseers). The district routes
(``/v1/district/...``, ``/v1/scorecard``, the dashboard page) are open to any signed-in caller but
answer only for the communes the caller may see (entrypoints/http.py ``visible_communes``): every
commune for a district overseer, their own for a commune's staff, none for others. The all-time
figures of every commune (``/v1/figures``) stay district-only. Scorecard criteria are deployment
settings: administrators change them. A route missing here is refused for everyone."""

from motcua_runtime.auth import SIGNED_IN, AccessPolicy, admin, commune, district

READ = commune(write=False)
COMMUNE = "/v1/communes/{commune_code}"

ACCESS = AccessPolicy({
    ("GET", COMMUNE + "/figures"): READ,
    ("GET", COMMUNE + "/report"): READ,
    ("GET", COMMUNE + "/breakdown/{dimension}"): READ,
    ("GET", COMMUNE + "/trend"): READ,
    ("GET", COMMUNE + "/exports/{table}"): READ,
    ("GET", "/v1/figures"): district(),
    ("GET", "/v1/district/report"): SIGNED_IN,
    ("GET", "/v1/district/breakdown/{dimension}"): SIGNED_IN,
    ("GET", "/v1/district/trend"): SIGNED_IN,
    ("GET", "/v1/district/exports/{table}"): SIGNED_IN,
    ("GET", "/v1/scorecard"): SIGNED_IN,
    ("GET", "/v1/scorecard/criteria"): SIGNED_IN,
    ("PUT", "/v1/scorecard/criteria"): admin(),
    # Pages: a browser that is not signed in goes to the sign-in page.
    ("GET", "/bao-cao"): SIGNED_IN.as_page(),
    ("GET", "/bao-cao/xa/{commune_code}"): READ.as_page(),
    ("GET", "/bao-cao/xa/{commune_code}/*"): READ.as_page(),
})
