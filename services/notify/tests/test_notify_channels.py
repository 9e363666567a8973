"""Channel adapters against stub HTTP providers (httpx.MockTransport): what counts as delivered,
accepted, temporary or permanent; the contact directory's token cache."""

import json

import httpx

from motcua_notify.adapters.channels import HttpSmsGateway, OutgoingMessage, SinkSms, ZaloOa
from motcua_notify.adapters.contacts import ContactUnavailable, HttpContactDirectory
from motcua_notify.domain.delivery import Outcome

MESSAGE = OutgoingMessage(message_id="m-1", commune_code="26041", channel="sms", to="0987123456",
                          body="Hồ sơ đã có kết quả", sender="UBNDXA")


def client(handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_sms_gateway_outcomes():
    seen = []

    def answer(status, body):
        def handler(request):
            seen.append(json.loads(request.content))
            return httpx.Response(status, json=body)
        return handler

    assert (await HttpSmsGateway("http://sms/send", "k", client(answer(200, {"status": "delivered"}))).send(MESSAGE)
            ).outcome is Outcome.DELIVERED
    accepted = await HttpSmsGateway("http://sms/send", "k", client(answer(202, {"id": "p9"}))).send(MESSAGE)
    assert (accepted.outcome, accepted.provider_id) == (Outcome.ACCEPTED, "p9")
    assert (await HttpSmsGateway("http://sms/send", "", client(answer(503, {}))).send(MESSAGE)).outcome is Outcome.TEMPORARY
    assert (await HttpSmsGateway("http://sms/send", "", client(answer(429, {}))).send(MESSAGE)).outcome is Outcome.TEMPORARY
    assert (await HttpSmsGateway("http://sms/send", "", client(answer(400, {}))).send(MESSAGE)).outcome is Outcome.PERMANENT
    assert seen[0] == {"to": "0987123456", "text": "Hồ sơ đã có kết quả", "sender": "UBNDXA", "client_ref": "m-1"}

    def down(request):
        raise httpx.ConnectError("refused")

    assert (await HttpSmsGateway("http://sms/send", "", client(down)).send(MESSAGE)).outcome is Outcome.TEMPORARY


async def test_zalo_outcomes_and_phone_format():
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=responses.pop(0))

    responses = [{"error": 0, "data": {"msg_id": "z1"}}, {"error": -124, "message": "invalid phone"}, {"error": -32}]
    zalo = ZaloOa("http://zalo/send", "token", "tpl-1", client(handler))
    ok = await zalo.send(MESSAGE)
    assert (ok.outcome, ok.provider_id) == (Outcome.ACCEPTED, "z1")
    assert bodies[0]["phone"] == "84987123456" and bodies[0]["tracking_id"] == "m-1"
    assert (await zalo.send(MESSAGE)).outcome is Outcome.PERMANENT
    assert (await zalo.send(MESSAGE)).outcome is Outcome.TEMPORARY


async def test_the_sink_records_each_message_once(tmp_path):
    sink = SinkSms(tmp_path)
    assert (await sink.send(MESSAGE)).outcome is Outcome.DELIVERED
    await sink.send(MESSAGE)  # sent again after a crash: the same file
    [record] = list((tmp_path / "26041").glob("*.json"))
    assert json.loads(record.read_text(encoding="utf-8"))["text"] == "Hồ sơ đã có kết quả"


async def test_the_contact_directory_keeps_its_token_and_signs_in_again_when_refused():
    calls = {"token": 0, "contact": 0}

    def handler(request):
        if request.url.path == "/v1/token":
            calls["token"] += 1
            assert dict(httpx.QueryParams(request.content.decode()))["grant_type"] == "client_credentials"
            return httpx.Response(200, json={"access_token": f"t{calls['token']}", "expires_in": 600})
        calls["contact"] += 1
        if request.headers["authorization"] == "Bearer t1" and calls["contact"] == 3:
            return httpx.Response(401, json={})
        if request.url.path.endswith("/missing/contact"):
            return httpx.Response(404, json={})
        assert request.url.params["purpose"] == "receipt"
        return httpx.Response(200, json={"applicant_name": "Đỗ Thị Lan", "phone": "0987123456", "email": None,
                                         "consent_letters": True, "consent_sms": False, "opted_out": False})

    directory = HttpContactDirectory(identity_url="http://id", intake_url="http://intake", client_id="notify",
                                     client_secret="s", client=client(handler))
    first = await directory.contact("d1", "receipt")
    await directory.contact("d1", "receipt")
    assert first.applicant_name == "Đỗ Thị Lan" and first.consent_sms is False
    assert calls["token"] == 1
    await directory.contact("d1", "receipt")  # refused once: a new token, then the answer
    assert calls["token"] == 2
    assert await directory.contact("missing", "receipt") is None

    unconfigured = HttpContactDirectory(identity_url="", intake_url="", client_id="", client_secret="")
    try:
        await unconfigured.contact("d1", "receipt")
    except ContactUnavailable:
        pass
    else:
        raise AssertionError("an unconfigured directory must say it cannot answer")
