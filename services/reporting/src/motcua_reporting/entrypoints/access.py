"""Who may call what on reporting: every route's rule, in one table (motcua_runtime.auth).

A commune's figures go to its officers and leaders (and district overseers); the figures of
every commune side by side to the district only. A route missing here is refused for everyone."""

from motcua_runtime.auth import AccessPolicy, commune, district

ACCESS = AccessPolicy({
    ("GET", "/v1/communes/{commune_code}/figures"): commune(write=False),
    ("GET", "/v1/figures"): district(),
})
