"""Who may call what on hooks: every route's rule, in one table (motcua_runtime.auth).

The catalogue is public (it is what other systems build on). Subscriptions are deployment
settings: administrators create and change them; a district overseer reads them (and their
delivery logs) and changes nothing. A route missing here is refused for everyone."""

from motcua_runtime.auth import PUBLIC, AccessPolicy, Role, admin, roles

READ = roles(Role.ADMINISTRATOR, Role.DISTRICT_OVERSEER)

ACCESS = AccessPolicy({
    ("GET", "/su-kien"): PUBLIC,
    ("GET", "/v1/catalogue"): PUBLIC,
    ("GET", "/v1/catalogue/asyncapi.json"): PUBLIC,
    ("GET", "/v1/catalogue/schemas/{name}"): PUBLIC,
    ("POST", "/v1/subscriptions"): admin(),
    ("GET", "/v1/subscriptions"): READ,
    ("GET", "/v1/subscriptions/{subscription_id}"): READ,
    ("PUT", "/v1/subscriptions/{subscription_id}/status"): admin(),
    ("DELETE", "/v1/subscriptions/{subscription_id}"): admin(),
    ("POST", "/v1/subscriptions/{subscription_id}/resume"): admin(),
    ("GET", "/v1/subscriptions/{subscription_id}/deliveries"): READ,
    ("POST", "/v1/subscriptions/{subscription_id}/replays"): admin(),
    ("GET", "/v1/subscriptions/{subscription_id}/replays/{replay_id}"): READ,
    ("GET", "/v1/alerts"): READ,
})
