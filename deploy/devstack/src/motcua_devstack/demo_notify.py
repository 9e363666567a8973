"""Demo data of notify, loaded through its HTTP API before the dossiers (``demo.load_demo``), so
the demo's letters carry each commune's letterhead and signer:

- every demo commune: its letterhead (People's Committee, one-stop unit, place, signer);
- Phường Tân Phong (26041): its own wording of the apology and the congratulation letter;
- Phường 2, Cao Lãnh (29884): the result-ready SMS and the thanks after a ballot turned off
  (the commune phones citizens itself) — a commune with rules off;
- e-mail and SMS go to the sinks of the local run (``.run/notify-sink``) unless ``NOTIFY_SMTP_HOST``
  / ``NOTIFY_SMS_URL`` point somewhere real.

Safe to run again: every call is a PUT of the same content.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

SIGNERS = {
    "26041": ("Nguyễn Văn Hùng", "CHỦ TỊCH"),
    "15667": ("Lê Thị Thu Hà", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"),
    "26032": ("Trần Minh Tuấn", "CHỦ TỊCH"),
    "29884": ("Võ Thị Mỹ Dung", "CHỦ TỊCH"),
}
RULES_OFF = {"29884": {"result_ready": False, "thanks_ballot": False}}
WORDING = {
    "26041": {
        "apology": {
            "title": "THƯ XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "body": (
                "Kính gửi: Ông/Bà {{ applicant_name }}\n\n"
                "Ngày {{ received_date }}, Bộ phận Một cửa {{ commune_name }} đã tiếp nhận hồ sơ {{ procedure_name }} "
                "của Ông/Bà (mã hồ sơ {{ dossier_code }}), hẹn trả kết quả ngày {{ previous_appointment_date }}.\n\n"
                "Do {% if reason %}{{ reason | lower }}{% else %}khối lượng hồ sơ tăng cao{% endif %}, hồ sơ của Ông/Bà "
                "chưa giải quyết xong đúng hẹn. Ủy ban nhân dân {{ commune_name }} thành thật xin lỗi Ông/Bà vì sự chậm "
                "trễ này và xin hẹn trả kết quả vào ngày {{ new_appointment_date }}.\n\n"
                "Chúng tôi sẽ chủ động liên hệ ngay khi có kết quả. Kính mong Ông/Bà thông cảm.\n\nTrân trọng."
            ),
            "sms": ("UBND {{ commune_name }} xin lỗi Ông/Bà vì hồ sơ {{ dossier_code }} chậm trả. "
                    "Ngày hẹn mới: {{ new_appointment_date }}."),
        },
        "congratulation": {
            "title": "THƯ CHÚC MỪNG",
            "body": (
                "Kính gửi: Ông/Bà {{ applicant_name }}\n\n"
                "Nhân dịp gia đình Ông/Bà có niềm vui {% if life_event == 'marriage' %}xây dựng tổ ấm mới"
                "{% else %}đón thành viên mới{% endif %}, Ủy ban nhân dân {{ commune_name }} xin gửi lời chúc mừng "
                "tốt đẹp nhất.\n\n"
                "{% if life_event == 'marriage' %}Chúc hai bạn luôn yêu thương, sắt son, cùng nhau vun đắp một gia đình "
                "hạnh phúc, ấm no.{% else %}Chúc cháu bé hay ăn chóng lớn, khỏe mạnh, bình an; chúc gia đình luôn "
                "tràn đầy niềm vui.{% endif %}\n\nTrân trọng."
            ),
            "sms": "UBND {{ commune_name }} chúc mừng gia đình Ông/Bà.",
        },
    },
}


async def _token(client: httpx.AsyncClient, identity: str, username: str, password: str) -> dict[str, str]:
    response = await client.post(f"{identity}/v1/token", json={"username": username, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


#: Names as a letter writes them: in the letterhead, in a sentence, before the date.
NAMES = {
    "26041": ("ỦY BAN NHÂN DÂN PHƯỜNG TÂN PHONG", "phường Tân Phong", "Tân Phong"),
    "15667": ("ỦY BAN NHÂN DÂN THỊ TRẤN SAO VÀNG", "thị trấn Sao Vàng", "Sao Vàng"),
    "26032": ("ỦY BAN NHÂN DÂN PHƯỜNG XUÂN AN", "phường Xuân An", "Xuân An"),
    "29884": ("ỦY BAN NHÂN DÂN PHƯỜNG 2", "Phường 2, thành phố Cao Lãnh", "Cao Lãnh"),
}


def _letterhead(commune: Any) -> dict[str, str]:
    agency, in_a_sentence, place = NAMES.get(
        commune.code, (f"ỦY BAN NHÂN DÂN {commune.name.upper()}", commune.name, commune.name))
    signer, title = SIGNERS.get(commune.code, ("", "CHỦ TỊCH"))
    return {"agency": agency, "commune_name": in_a_sentence, "unit_name": "Bộ phận Tiếp nhận và Trả kết quả",
            "place_name": place, "signer_name": signer, "signer_title": title}


async def load_notify_demo(
    client: httpx.AsyncClient,
    urls: Mapping[str, str],
    communes: Sequence[Any],
    *,
    log: Callable[[str], None] = print,
    password: str = "motcua-demo",
) -> None:
    notify, identity = urls.get("notify", "").rstrip("/"), urls.get("identity", "").rstrip("/")
    if not notify or not identity:
        return
    admin = await _token(client, identity, "quantri", password)
    lookup = f"{urls['intake'].rstrip('/')}/tra-cuu" if urls.get("intake") else ""
    for commune in communes:
        base = f"{notify}/v1/communes/{commune.code}"
        head = {**_letterhead(commune), "lookup_url": lookup}
        response = await client.put(f"{base}/notify-settings/letterhead", json=head, headers=admin)
        if response.status_code == 404:  # a notify without letter settings (a stand-in): nothing to load
            log("notify: no letter settings API here, its demo data skipped")
            return
        response.raise_for_status()
        if commune.code in RULES_OFF:
            (await client.put(f"{base}/notify-settings/rules", json={"rules": RULES_OFF[commune.code]},
                              headers=admin)).raise_for_status()
        for purpose, wording in WORDING.get(commune.code, {}).items():
            response = await client.put(f"{base}/templates/{purpose}", json=wording, headers=admin)
            if response.status_code != 200:
                raise RuntimeError(f"notify refused the demo template {commune.code}/{purpose}: {response.text}")
    off = ", ".join(f"{c}: {', '.join(r)}" for c, r in RULES_OFF.items())
    log(f"notify: letterheads for {len(communes)} communes, own wording in {', '.join(WORDING)}, rules off ({off}); "
        f"print queue at {notify}/thu/<commune>/, templates at {notify}/thu/<commune>/mau")
