"""Who may call what on notify: every route's rule, in one table (motcua_runtime.auth).

The letters of a commune are read by its officers and leaders and by district overseers;
a route missing here is refused for everyone."""

from motcua_runtime.auth import AccessPolicy, commune

ACCESS = AccessPolicy({
    ("GET", "/v1/communes/{commune_code}/notifications"): commune(write=False),
})
