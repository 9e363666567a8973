"""Who may call what on the identity service: every route's rule, in one table."""

from motcua_runtime.auth import PUBLIC, SIGNED_IN, AccessPolicy, admin

ACCESS = AccessPolicy({
    ("GET", "/.well-known/openid-configuration"): PUBLIC,
    ("GET", "/.well-known/jwks.json"): PUBLIC,
    ("POST", "/v1/token"): PUBLIC,
    ("GET", "/v1/me"): SIGNED_IN,
    ("GET", "/v1/users"): admin(),
    ("POST", "/v1/users"): admin(),
    ("GET", "/v1/users/{username}"): admin(),
    ("PATCH", "/v1/users/{username}"): admin(),
    # Pages: the sign-in itself is open; the account page sends a stranger to sign in.
    ("GET", "/"): PUBLIC,
    ("GET", "/dang-nhap"): PUBLIC,
    ("POST", "/dang-nhap"): PUBLIC,
    ("GET", "/dang-nhap/oidc/callback"): PUBLIC,  # a district provider's authorization code comes back
    ("POST", "/dang-xuat"): PUBLIC,
    ("GET", "/dang-xuat"): PUBLIC,
    ("GET", "/tai-khoan"): SIGNED_IN.as_page(),
})
