"""The commune-scope decision and the claim mapping of motcua_runtime.auth."""

import pytest

from motcua_runtime.auth import (
    AccessPolicy,
    AuthConfig,
    Principal,
    Role,
    TokenVerifier,
    commune,
    ensure_commune_access,
    PUBLIC,
)
from motcua_runtime.errors import UserFacingError


def person(*roles: str, communes=("26041",)) -> Principal:
    return Principal(subject="x", display_name="X", roles=frozenset(roles), communes=tuple(communes))


@pytest.mark.parametrize("principal, commune_code, write, allowed", [
    (person(Role.COUNTER_OFFICER), "26041", True, True),
    (person(Role.COUNTER_OFFICER), "26041", False, True),
    (person(Role.COUNTER_OFFICER), "26032", False, False),
    (person(Role.COUNTER_OFFICER), "26032", True, False),
    (person(Role.COMMUNE_LEADER, communes=("26041", "26032")), "26032", True, True),
    (person(Role.DISTRICT_OVERSEER, communes=()), "29884", False, True),
    (person(Role.DISTRICT_OVERSEER, communes=("*",)), "29884", True, False),
    (person(Role.ADMINISTRATOR, communes=("*",)), "26041", False, False),
    (person(Role.SURVEY_TEAM_MEMBER), "26041", True, False),  # not dossier work
    (person(Role.COUNTER_OFFICER, communes=("*",)), "29884", True, True),
    (person(communes=("26041",)), "26041", False, False),
])
def test_commune_scope(principal, commune_code, write, allowed):
    if allowed:
        ensure_commune_access(principal, commune_code, write=write)
    else:
        with pytest.raises(UserFacingError) as refused:
            ensure_commune_access(principal, commune_code, write=write)
        assert refused.value.status == 403 and refused.value.message_vi


def test_survey_team_members_enter_ballots_of_their_communes_only():
    ballots = {Role.COUNTER_OFFICER, Role.COMMUNE_LEADER, Role.SURVEY_TEAM_MEMBER}
    ensure_commune_access(person(Role.SURVEY_TEAM_MEMBER), "26041", write=True, roles=ballots)
    with pytest.raises(UserFacingError):
        ensure_commune_access(person(Role.SURVEY_TEAM_MEMBER), "26032", write=True, roles=ballots)


def test_claims_are_read_where_configuration_says():
    keycloak = TokenVerifier(AuthConfig(roles_claim="realm_access.roles", communes_claim="attributes.communes",
                                        name_claim="name"))
    principal = keycloak.principal_of({"sub": "f3a1", "preferred_username": "lan", "realm_access": {
        "roles": ["counter_officer", "offline_access"]}, "attributes": {"communes": "26041, 26032"}})
    assert principal.display_name == "lan" and Role.COUNTER_OFFICER in principal.roles
    assert principal.communes == ("26041", "26032")
    flat = TokenVerifier(AuthConfig(roles_claim="roles", communes_claim="communes"))
    assert flat.principal_of({"sub": "a", "roles": "administrator", "communes": ["*"]}).all_communes


def test_without_a_key_source_no_token_is_accepted():
    with pytest.raises(UserFacingError) as refused:
        TokenVerifier(AuthConfig()).verify("a.b.c")
    assert refused.value.status == 401


def test_the_policy_finds_exact_then_prefix_rules_and_nothing_else():
    policy = AccessPolicy({("GET", "/quay/{commune_code}/*"): commune(write=False).as_page(),
                           ("POST", "/v1/x"): PUBLIC})
    assert policy.rule_for("GET", "/health/ready") is PUBLIC and policy.rule_for("HEAD", "/health/live") is PUBLIC
    assert policy.rule_for("GET", "/quay/{commune_code}/ho-so/{dossier_code}").page
    assert policy.rule_for("GET", "/quay/{commune_code}").page
    assert policy.rule_for("POST", "/quay/{commune_code}/x") is None
    assert policy.rule_for("GET", "/v1/x") is None
