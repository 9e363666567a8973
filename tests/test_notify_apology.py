"""A late dossier: a reschedule at the counter gives exactly one apology letter (a PDF with the
reason and the new date) and one SMS — also when the event is delivered again."""

import asyncio
import io
import uuid
from datetime import date, timedelta

import nats
import pytest
from pypdf import PdfReader

from motcua_contracts.streams import EVENTS
from tests.helpers import as_json, eventually
from tests.test_notify_delivery import APPLICANT, act, messages, notifications, receive, set_channels, sink_messages

pytestmark = pytest.mark.e2e


async def redeliver_last(nats_url: str, subject: str) -> None:
    """Publish the stored event again under a new message id: the bus no longer deduplicates it,
    so only notify's own idempotency stands between it and a second letter."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        last = await js.get_last_msg(EVENTS.name, subject)
        await js.publish(subject, last.data, headers={"Nats-Msg-Id": uuid.uuid4().hex})
    finally:
        await nc.close()


async def test_a_reschedule_gives_one_apology_letter_and_one_sms_even_when_redelivered(stack, services, http, admin,
                                                                                       commune):
    await set_channels(admin, services, commune)
    dossier = await receive(http, services, commune, consent_sms=True, applicant={**APPLICANT, "email": None})
    code = dossier["dossier_code"]
    previous = dossier["appointment_at"]
    new_date = (date.fromisoformat(previous[:10]) + timedelta(days=7)).isoformat()
    await act(http, services, commune, code, "reschedule",
              {"new_appointment_date": new_date, "reason": "Chờ xác minh thông tin"})

    async def apologies():
        return [n for n in await notifications(http, services, commune, code)
                if n["kind"] == "apology" and n["status"] == "resolved"]

    [apology] = await eventually(apologies, timeout=30)
    assert apology["apology_reason"] == "Chờ xác minh thông tin"
    assert apology["previous_appointment_at"][:10] == previous[:10]
    assert apology["appointment_at"][:10] == new_date

    await redeliver_last(stack.nats_url, f"motcua.events.{commune}.DossierRescheduled.v1")
    await asyncio.sleep(3)
    assert len(await apologies()) == 1
    letters = as_json(await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/letters"))["items"]
    assert [letter["letter_type"] for letter in letters] == ["apology"]
    sms = [m for m in await messages(http, services, commune, dossier_code=code) if m["purpose"] == "apology"]
    assert len(sms) == 1 and sms[0]["channel"] == "sms"

    async def texts():
        return [m["text"] for m in sink_messages(stack, services, commune) if "xin lỗi" in m["text"]]

    [text] = await eventually(texts, timeout=30)
    local_new = "/".join(reversed(new_date.split("-")))
    assert local_new in text

    pdf = await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/letters/{letters[0]['letter_id']}/pdf")
    body = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "THƯ XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in body
    assert "Lý do: Chờ xác minh thông tin" in body and f"ngày {local_new}" in body
    assert "thành thật xin lỗi" in body
