"""Who may call what on notify: every route's rule, in one table (motcua_runtime.auth).

A commune's letters and messages are read by its officers and leaders and by district
overseers; officers work the print queue; the wording, letterhead and rules are kept by an
administrator or the commune's leader; channel settings (provider addresses) by
administrators only. Providers report delivery status with an HMAC signature checked in the
endpoint itself (public here). A route missing here is refused for everyone."""

from motcua_runtime.auth import PUBLIC, AccessPolicy, admin, admin_or_commune, commune

READ = commune(write=False)
COMMUNE = "/v1/communes/{commune_code}"

ACCESS = AccessPolicy({
    ("GET", f"{COMMUNE}/notifications"): READ,
    ("GET", f"{COMMUNE}/letters"): READ,
    ("GET", f"{COMMUNE}/letters/{{letter_id}}/pdf"): READ,
    ("POST", f"{COMMUNE}/letters/{{letter_id}}/printed"): commune(write=True),
    ("POST", f"{COMMUNE}/letters/{{letter_id}}/delivery"): commune(write=True),
    ("GET", f"{COMMUNE}/messages"): READ,
    ("GET", f"{COMMUNE}/templates"): READ,
    ("PUT", f"{COMMUNE}/templates/{{purpose}}"): admin_or_commune(),
    ("POST", f"{COMMUNE}/templates/{{purpose}}/preview"): admin_or_commune(),
    ("GET", f"{COMMUNE}/notify-settings"): READ,
    ("PUT", f"{COMMUNE}/notify-settings/rules"): admin_or_commune(),
    ("PUT", f"{COMMUNE}/notify-settings/letterhead"): admin_or_commune(),
    ("PUT", f"{COMMUNE}/notify-settings/channels"): admin(),
    ("POST", "/v1/delivery-status/{channel}"): PUBLIC,
    # Pages: the print queue and failures (officers), the template editor (administrator or leader).
    ("GET", "/thu/{commune_code}/"): READ.as_page(),
    ("GET", "/thu/{commune_code}/mau"): admin_or_commune().as_page(),
})
