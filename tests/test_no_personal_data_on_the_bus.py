"""Events other systems read never carry a citizen's ID number, phone number, address or e-mail."""

import nats
import pytest

from motcua_contracts.streams import EVENTS
from tests.helpers import as_json, eventually, stream_subject_counts

pytestmark = pytest.mark.e2e

CITIZEN = {"full_name": "Hoàng Thị Thu", "id_number": "038190004321", "phone": "0971234560",
           "address": "Số 12 đường Nguyễn Trãi, khu phố 3", "email": "thu.hoang.bus@example.vn"}


async def test_no_event_of_a_dossiers_life_carries_its_personal_data(stack, services, http, commune):
    intake = services["intake"].base_url
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "HT-KHAISINH", "applicant": CITIZEN, "consent_letters": True, "consent_sms": True}))
    one = f"{intake}/v1/communes/{commune}/dossiers/{dossier['dossier_code']}"
    as_json(await http.post(f"{one}/assignment", json={"officer_id": "cb-01", "handling_body": "Tư pháp"}))
    as_json(await http.post(f"{one}/return", json={"return_channel": "at_home", "officer_id": "cb-01"}))

    async def all_there():
        counts = await stream_subject_counts(stack.nats_url, EVENTS.name, f"motcua.events.{commune}.>")
        return sum(counts.values()) >= 4  # received, assigned, returned, ballot opened

    await eventually(all_there)
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(f"motcua.events.{commune}.>", stream=EVENTS.name, ordered_consumer=True)
        bodies = []
        for _ in range(4):
            msg = await sub.next_msg(timeout=5)
            bodies.append(msg.data.decode() + str(msg.headers))
        await sub.unsubscribe()
    finally:
        await nc.close()
    text = "\n".join(bodies)
    assert dossier["dossier_code"] in text  # the events are about this dossier...
    for secret in (CITIZEN["id_number"], CITIZEN["phone"], CITIZEN["address"], "Nguyễn Trãi", CITIZEN["email"],
                   "thu.hoang.bus"):
        assert secret not in text  # ...and carry none of its personal data
    assert "*******560" in text  # the phone appears masked, for SMS gateways to match
