"""The submission endpoint over a fake unit of work: status codes and bilingual messages."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
import pytest_asyncio
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from motcua_runtime.auth import Principal
from motcua_runtime.errors import install_error_handlers

from motcua_survey.entrypoints import http
from motcua_survey.service_layer import handlers


def app_for(uow, principal: Principal | None) -> FastAPI:
    """The router as the service mounts it, with what the access rule leaves in ``request.state``:
    a signed-in member of the commune's staff, or ``None`` (a citizen)."""
    app = FastAPI()
    install_error_handlers(app)

    @app.middleware("http")
    async def correlation(request: Request, call_next):
        request.state.correlation_id = "corr-http"
        request.state.principal = principal
        return await call_next(request)

    app.include_router(http.router(http.Survey(lambda: uow, lambda: None, handlers.SurveyPolicy())))
    return app


STAFF = Principal(subject="khaosat.26041", display_name="Tổ khảo sát", roles=frozenset({"survey_team_member"}),
                  communes=("26041",))


@pytest.fixture
def client(uow) -> TestClient:
    """The survey team entering paper ballots."""
    return TestClient(app_for(uow, STAFF))


@pytest.fixture
def citizen(uow) -> TestClient:
    return TestClient(app_for(uow, None))


@pytest_asyncio.fixture
async def ballot(uow, returned):
    now = datetime.now(UTC)
    await handlers.on_result_returned(returned(), uow, ttl=timedelta(days=30), now=now)
    return next(iter(uow.ballots_store.values()))


def url(ballot_id, commune="26041") -> str:
    return f"/v1/communes/{commune}/ballots/{ballot_id}/submission"


def test_submit_then_second_submission_is_409_politely(client, ballot, uow):
    first = client.post(url(ballot.id), json={"overall": 4, "factors": {"officer": 5}, "comment": " Tốt "})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["ballot_id"] == str(ballot.id) and body["overall"] == 4 and body["satisfied"] is True
    assert body["factors"] == {"officer": 5} and body["comment"] == "Tốt"
    assert uow.events_of("SurveySubmitted")[0].correlation_id == "corr-http"

    second = client.post(url(ballot.id), json={"overall": 1})
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "ballot_already_submitted"
    assert error["message"] == error["message_vi"] and "Cảm ơn ông/bà đã đánh giá" in error["message_vi"]
    english = client.post(url(ballot.id), json={"overall": 1}, headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"].startswith("This ballot has already been submitted")


def test_expired_is_410(client, ballot, uow):
    uow.ballots_store[ballot.id].expires_at = datetime.now(UTC) - timedelta(seconds=1)
    response = client.post(url(ballot.id), json={"overall": 5})
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "ballot_expired"


@pytest.mark.parametrize("ballot_id, commune", [("other-commune", "26068"), (str(uuid4()), "26041"), ("not-a-uuid", "26041")])
def test_unknown_or_foreign_ballot_is_404(client, ballot, ballot_id, commune):
    response = client.post(url(ballot.id if ballot_id == "other-commune" else ballot_id, commune), json={"overall": 5})
    assert response.status_code == 404
    assert response.json()["error"]["message_vi"] == "Không tìm thấy phiếu đánh giá này của xã/phường."


@pytest.mark.parametrize("payload", [
    {"overall": 0}, {"overall": 6}, {"overall": "5"}, {"overall": 5, "factors": {"speed": 5}},
    {"overall": 5, "factors": {"officer": 9}}, {"overall": 5, "comment": "x" * 2001},
])
def test_invalid_submission_is_422(client, ballot, uow, payload):
    response = client.post(url(ballot.id), json=payload)
    assert response.status_code == 422
    assert uow.events_of("SurveySubmitted") == []


def test_a_citizen_submits_their_own_ballot_with_its_token_only(citizen, ballot, uow):
    for proof in ({}, {"token": "doan-bua-token"}, {"token": ""}):
        refused = citizen.post(url(ballot.id), json={"overall": 5, **proof})
        assert refused.status_code == 404, proof
        assert refused.json()["error"]["message_vi"] == "Không tìm thấy phiếu đánh giá này của xã/phường."
    assert uow.events_of("SurveySubmitted") == []
    accepted = citizen.post(url(ballot.id), json={"overall": 5, "token": ballot.token})
    assert accepted.status_code == 201, accepted.text
    # The token of one ballot opens no other (here: the right token, another commune's path).
    assert citizen.post(url(ballot.id, "26068"), json={"overall": 5, "token": ballot.token}).status_code == 404
