from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from motcua_survey.domain.model import (
    AlreadySubmitted,
    Ballot,
    BallotExpired,
    BallotStatus,
    InvalidRating,
    Rating,
    SipasFactor,
    is_satisfied,
)

NOW = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def a_ballot(opened_at: datetime = NOW, ttl: timedelta = timedelta(days=30)) -> Ballot:
    return Ballot.open(
        commune_code="26041", dossier_id=uuid4(), dossier_code="26041-250301-0001",
        procedure_code="CT-CHUKY", officer_id="cb-01", opened_at=opened_at, ttl=ttl,
    )


@pytest.mark.parametrize("overall, satisfied", [(1, False), (2, False), (3, False), (4, True), (5, True)])
def test_satisfied_from_four(overall, satisfied):
    assert is_satisfied(overall) is satisfied
    assert Rating(overall).satisfied is satisfied


def test_open_ballot_expires_after_ttl_with_a_short_token():
    ballot = a_ballot(ttl=timedelta(days=30))
    assert ballot.status is BallotStatus.OPEN
    assert ballot.expires_at == NOW + timedelta(days=30)
    assert 8 <= len(ballot.token) <= 16 and ballot.token.replace("-", "").replace("_", "").isalnum()
    assert a_ballot().token != ballot.token


def test_submit_once():
    ballot = a_ballot()
    ballot.submit(Rating(5, {"officer": 5}), NOW + timedelta(days=1))
    assert ballot.status is BallotStatus.SUBMITTED
    assert ballot.submitted_at == NOW + timedelta(days=1)
    assert ballot.rating.factors == {SipasFactor.OFFICER: 5}
    with pytest.raises(AlreadySubmitted):
        ballot.submit(Rating(1), NOW + timedelta(days=2))
    assert ballot.rating.overall == 5


def test_expired_ballot_refuses_submission_and_reads_expired():
    ballot = a_ballot(ttl=timedelta(days=30))
    assert ballot.status_at(NOW + timedelta(days=29, hours=23)) is BallotStatus.OPEN
    expiry = NOW + timedelta(days=30)
    assert ballot.status_at(expiry) is BallotStatus.EXPIRED
    with pytest.raises(BallotExpired):
        ballot.submit(Rating(4), expiry)
    assert ballot.status is BallotStatus.OPEN and ballot.rating is None


def test_submitted_beats_expired():
    ballot = a_ballot()
    ballot.submit(Rating(4), NOW)
    later = NOW + timedelta(days=60)
    assert ballot.status_at(later) is BallotStatus.SUBMITTED
    with pytest.raises(AlreadySubmitted):
        ballot.submit(Rating(4), later)


@pytest.mark.parametrize("overall, factors", [
    (0, {}), (6, {}), (True, {}), (4, {"speed": 5}), (4, {"access": 0}), (4, {"result": 6}),
])
def test_invalid_ratings(overall, factors):
    with pytest.raises(InvalidRating):
        Rating(overall, factors)
