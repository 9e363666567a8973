"""Demo data for a small district, loaded through the services' public HTTP APIs only.

Each commune is loaded by its own demo counter officer (``canbo.<code>``, signed in at the
identity service); ballots are submitted the way a citizen does, with the ballot's token.

A commune that already has dossiers is left alone, so running ``up`` again keeps the data
and never duplicates it. The choices are drawn from a seeded generator: the same seed gives
the same applicants, procedures, channels and scores.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import date, timedelta
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from motcua_devstack.demo_survey import load_survey_demo
from motcua_devstack.demo_sessions import load_sessions_demo
from motcua_devstack.demo_reporting import show_reporting
from motcua_devstack.demo_notify import load_notify_demo

__all__ = [
    "DEMO_PASSWORD",
    "demo_accounts_text",
    "DemoCommune",
    "DEMO_COMMUNES",
    "CommuneResult",
    "DemoError",
    "load_demo",
    "make_applicant",
]


#: Password of every demo account the identity service creates for the local run (never for production).
DEMO_PASSWORD = "motcua-demo"


class DemoError(RuntimeError):
    """A service answered something the demo loader did not expect."""


@dataclass(frozen=True)
class DemoCommune:
    code: str
    name: str
    #: what follows the street part of an address, e.g. "phường Tân Phong, TP. Biên Hòa, Đồng Nai"
    address_tail: str
    #: residential unit word used locally: "khu phố", "tổ dân phố", "khóm"
    quarter: str
    streets: tuple[str, ...]
    #: first three digits of citizen ID numbers issued in the province
    id_province: str


DEMO_COMMUNES: tuple[DemoCommune, ...] = (
    DemoCommune(
        code="26041",
        name="Phường Tân Phong",
        address_tail="phường Tân Phong, TP. Biên Hòa, Đồng Nai",
        quarter="khu phố",
        streets=("Đồng Khởi", "Nguyễn Ái Quốc", "Bùi Trọng Nghĩa", "Nguyễn Khuyến", "Trần Quốc Toản"),
        id_province="075",
    ),
    DemoCommune(
        code="15667",
        name="Thị trấn Sao Vàng",
        address_tail="thị trấn Sao Vàng, huyện Thọ Xuân, Thanh Hóa",
        quarter="tổ dân phố",
        streets=("Lê Lai", "Lê Hoàn", "Lê Lợi", "Trần Hưng Đạo", "Bà Triệu"),
        id_province="038",
    ),
    DemoCommune(
        code="26032",
        name="Phường Xuân An",
        address_tail="phường Xuân An, TP. Long Khánh, Đồng Nai",
        quarter="khu phố",
        streets=("Hùng Vương", "Nguyễn Trãi", "Cách Mạng Tháng Tám", "Hồ Thị Hương", "Ngô Quyền"),
        id_province="075",
    ),
    DemoCommune(
        code="29884",
        name="Phường 2 (Cao Lãnh)",
        address_tail="Phường 2, TP. Cao Lãnh, Đồng Tháp",
        quarter="khóm",
        streets=("Nguyễn Huệ", "Lý Thường Kiệt", "Hùng Vương", "Đặng Văn Bình", "Lê Lợi"),
        id_province="087",
    ),
)


def demo_accounts_text(identity_url: str, communes: Sequence["DemoCommune"] | None = None) -> str:
    """What ``make up`` prints: where to sign in and the demo accounts of each role."""
    communes = communes or DEMO_COMMUNES
    lines = [f"sign in at {identity_url.rstrip('/')}/dang-nhap — demo password for every account: {DEMO_PASSWORD}",
             "  quantri            administrator (catalogue, calendar, accounts)",
             "  giamsat            district overseer (reads every commune)"]
    for c in communes:
        lines.append(f"  canbo.{c.code:<12} counter officer, {c.name}   (also lanhdao.{c.code} leader, "
                     f"khaosat.{c.code} survey team)")
    return "\n".join(lines)


# ----------------------------------------------------------------------- people

_FAMILY = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4),
    ("Phan", 4), ("Vũ", 4), ("Võ", 4), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Trịnh", 1), ("Đinh", 1),
)  # fmt: skip
_MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Gia", "Xuân", "Đình")
_MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bảo", "Hồng", "Thùy", "Phương")
_GIVEN_MALE = (
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang",
    "Khoa", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng",
    "Toàn", "Trung", "Tuấn", "Việt",
)  # fmt: skip
_GIVEN_FEMALE = (
    "Anh", "Châu", "Diễm", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan",
    "Linh", "Mai", "My", "Ngân", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Trang",
    "Tuyết", "Vân", "Vy", "Yến",
)  # fmt: skip
_PHONE_PREFIXES = ("090", "091", "093", "094", "096", "097", "098", "032", "033", "034",
                   "035", "036", "037", "038", "039")  # fmt: skip

# Submission channels, weighted roughly like a commune one-stop shop.
_CHANNELS = (
    ("counter", 45), ("online", 22), ("out_of_hours", 12), ("assisted", 10),
    ("post", 5), ("at_home", 6),
)  # fmt: skip

_GOOD_COMMENTS = (
    None, None, None,
    "Cán bộ hướng dẫn tận tình, dễ hiểu.",
    "Trả kết quả sớm hơn ngày hẹn, rất hài lòng.",
    "Thủ tục nhanh gọn, thái độ niềm nở.",
    "Được đoàn viên thanh niên hỗ trợ nộp hồ sơ trực tuyến, cảm ơn các bạn.",
    "Làm việc ngoài giờ hành chính rất thuận tiện cho người đi làm.",
    "Nơi tiếp dân sạch sẽ, có nước uống và chỗ ngồi chờ.",
)  # fmt: skip
_MIDDLE_COMMENTS = (
    None,
    "Tạm được, cần thêm chỗ ngồi chờ vào giờ cao điểm.",
    "Phải bổ sung giấy tờ một lần, mong hướng dẫn rõ hơn ngay từ đầu.",
)
_LOW_COMMENTS = (
    "Phải chờ lâu, bị hẹn lại ngày trả kết quả.",
    "Hướng dẫn chưa rõ ràng, phải đi lại nhiều lần.",
    "Gọi điện hỏi tiến độ không ai nghe máy.",
)


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights, k=1)[0]


def make_applicant(rng: random.Random, commune: DemoCommune) -> dict:
    """A plausible, entirely made-up applicant living in ``commune``."""
    female = rng.random() < 0.52
    family = _weighted(rng, _FAMILY)
    middle = rng.choice(_MIDDLE_FEMALE if female else _MIDDLE_MALE)
    given = rng.choice(_GIVEN_FEMALE if female else _GIVEN_MALE)
    born = rng.randint(1948, 2006)
    # Citizen ID layout: province (3) + gender/century (1) + year of birth (2) + serial (6).
    century_gender = (0 if born < 2000 else 2) + (1 if female else 0)
    id_number = f"{commune.id_province}{century_gender}{born % 100:02d}{rng.randrange(10**6):06d}"
    phone = rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"
    address = (
        f"Số {rng.randint(1, 220)}, đường {rng.choice(commune.streets)}, "
        f"{commune.quarter} {rng.randint(1, 9)}, {commune.address_tail}"
    )
    return {"full_name": f"{family} {middle} {given}", "id_number": id_number, "phone": phone,
            "address": address}  # fmt: skip


def _score(rng: random.Random) -> tuple[int, str | None]:
    overall = _weighted(rng, (("5", 52), ("4", 30), ("3", 10), ("2", 5), ("1", 3)))
    overall = int(overall)
    pool = _GOOD_COMMENTS if overall >= 4 else _MIDDLE_COMMENTS if overall == 3 else _LOW_COMMENTS
    return overall, rng.choice(pool)


# ----------------------------------------------------------------------- loading


@dataclass
class CommuneResult:
    code: str
    name: str
    existing: int = 0  # dossiers found before loading; >0 means the commune was left alone
    dossiers: int = 0
    returned: int = 0
    ballots: int = 0
    low_scores: int = 0
    ballots_not_open: int = 0
    channels: dict[str, int] = field(default_factory=dict)

    @property
    def skipped(self) -> bool:
        return self.existing > 0

    def line(self) -> str:
        label = f"{self.code} {self.name}"
        if self.skipped:
            return f"  {label:<28} already has {self.existing} dossiers: kept, nothing added"
        text = (
            f"  {label:<28} {self.dossiers:>2} dossiers, {self.returned:>2} returned, "
            f"{self.ballots:>2} ballots ({self.low_scores} scored 1-2)"
        )
        if self.ballots_not_open:
            text += f", {self.ballots_not_open} ballots not open in time"
        return text


def _check(resp: httpx.Response, *expected: int) -> dict:
    if resp.status_code not in expected:
        raise DemoError(
            f"{resp.request.method} {resp.request.url} -> HTTP {resp.status_code} "
            f"(expected {'/'.join(map(str, expected))}): {resp.text[:500]}"
        )
    try:
        return resp.json()
    except ValueError:
        return {}


async def sign_in(client: httpx.AsyncClient, urls: Mapping[str, str], username: str,
                  password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Headers carrying a token of ``username`` (none when the stack has no identity service)."""
    identity = urls.get("identity")
    if not identity:
        return {}
    body = _check(await client.post(f"{identity.rstrip('/')}/v1/token",
                                    json={"username": username, "password": password}), 200)
    return {"Authorization": f"Bearer {body['access_token']}"}


async def _existing_dossiers(client: httpx.AsyncClient, intake: str, commune: DemoCommune) -> int:
    body = _check(await client.get(f"{intake}/v1/communes/{commune.code}/dossiers", params={"limit": 1}), 200)
    return int(body.get("total") or len(body.get("items") or []))


async def _wait_open_ballot(
    client: httpx.AsyncClient, survey: str, commune: DemoCommune, dossier_code: str, deadline: float
) -> dict | None:
    """Ballots are opened by survey when it sees the return event: poll until one is open."""
    url = f"{survey}/v1/communes/{commune.code}/ballots"
    while True:
        resp = await client.get(url, params={"dossier_code": dossier_code})
        if resp.status_code == 200:
            items = resp.json().get("items") or []
            for item in items:
                if str(item.get("status", "open")).lower() == "open":
                    return item
            if any(str(i.get("status", "")).lower() == "submitted" for i in items):
                return None  # rated already (should not happen on a fresh commune)
        elif resp.status_code != 404:
            _check(resp, 200)
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.25)


async def _load_commune(
    client: httpx.AsyncClient,
    urls: Mapping[str, str],
    commune: DemoCommune,
    procedures: list[dict],
    rng: random.Random,
    ballot_wait: float,
    password: str = DEMO_PASSWORD,
) -> CommuneResult:
    intake, survey = urls["intake"].rstrip("/"), urls["survey"].rstrip("/")
    result = CommuneResult(commune.code, commune.name)
    citizen = client
    # The commune's own officer loads it: the same rules as at the counter.
    client = httpx.AsyncClient(timeout=citizen.timeout,
                               headers=await sign_in(citizen, urls, f"canbo.{commune.code}", password))
    try:
        return await _load_commune_as_officer(client, citizen, intake, survey, commune, procedures, rng,
                                              ballot_wait, result)
    finally:
        await client.aclose()


async def _load_commune_as_officer(
    client: httpx.AsyncClient,
    citizen: httpx.AsyncClient,
    intake: str,
    survey: str,
    commune: DemoCommune,
    procedures: list[dict],
    rng: random.Random,
    ballot_wait: float,
    result: CommuneResult,
) -> CommuneResult:
    result.existing = await _existing_dossiers(client, intake, commune)
    if result.existing:
        return result

    officers = [f"cb-{commune.code}-{i:02d}" for i in range(1, 4)]
    # Everything random is drawn up front, so the plan depends on the seed only.
    plan = []
    for _ in range(rng.randint(15, 25)):
        channel = _weighted(rng, _CHANNELS)
        plan.append(
            {
                "procedure_code": rng.choice(procedures)["code"],
                "channel": channel,
                "applicant": make_applicant(rng, commune),
                "consent_letters": rng.random() < 0.9,
                "consent_sms": rng.random() < 0.7,
            }
        )
    to_return = set(rng.sample(range(len(plan)), k=round(len(plan) * 2 / 3)))
    return_plan: dict[int, dict] = {}
    score_plan: dict[int, tuple[int, str | None]] = {}
    for i in sorted(to_return):
        channel = plan[i]["channel"]
        if channel == "at_home":
            back = "at_home"
        elif channel in ("online", "assisted") and rng.random() < 0.5:
            back = "online"
        elif channel == "post":
            back = "post"
        else:
            back = "counter"
        return_plan[i] = {"return_channel": back, "officer_id": rng.choice(officers)}
        if rng.random() < 0.85:
            score_plan[i] = _score(rng)

    # The way some dossiers go, drawn up front too: hand-overs before the return; among the
    # dossiers still open, a supplement request, a refusal and a reschedule with its apology.
    open_ones = [i for i in range(len(plan)) if i not in to_return]
    steps: dict[int, list[tuple[str, dict]]] = {}
    for i in sorted(to_return):
        if rng.random() < 0.5:
            officer = return_plan[i]["officer_id"]
            steps[i] = [("assignment", {"officer_id": officer, "handling_body": "Bộ phận chuyên môn"}),
                        ("handovers", {"to_body": "Lãnh đạo UBND", "step_working_days": 1}),
                        ("handovers", {"to_body": "Bộ phận Một cửa", "step_working_days": 0}),
                        ("result-ready", {})]
    for i, (action, body) in zip(open_ones, (
        ("supplement-request", {"missing_items": ["Bản sao giấy tờ tùy thân", "Tờ khai theo mẫu"]}),
        ("refusal", {"reason": "Thủ tục không thuộc thẩm quyền của UBND cấp xã"}),
        ("reschedule", {"new_appointment_date": None, "reason": "Cần xác minh thêm thông tin tại địa phương khác"}),
    )):
        steps[i] = [(action, body)]

    codes: dict[int, str] = {}
    appointments: dict[int, str | None] = {}
    for i, body in enumerate(plan):
        resp = await client.post(f"{intake}/v1/communes/{commune.code}/dossiers", json=body)
        created = _check(resp, 200, 201)
        codes[i] = created["dossier_code"]
        appointments[i] = created.get("appointment_at")
        result.dossiers += 1
        result.channels[body["channel"]] = result.channels.get(body["channel"], 0) + 1

    for i, actions in steps.items():
        for action, body in actions:
            if action == "reschedule":
                due = date.fromisoformat(str(appointments.get(i) or date.today().isoformat())[:10])
                body = {**body, "new_appointment_date": (due + timedelta(days=3)).isoformat()}
            _check(await client.post(f"{intake}/v1/communes/{commune.code}/dossiers/{codes[i]}/{action}",
                                     json=body), 200, 201)

    for i, body in return_plan.items():
        resp = await client.post(
            f"{intake}/v1/communes/{commune.code}/dossiers/{codes[i]}/return", json=body
        )
        _check(resp, 200, 201, 202)
        result.returned += 1

    deadline = time.monotonic() + ballot_wait

    async def rate(i: int) -> None:
        ballot = await _wait_open_ballot(client, survey, commune, codes[i], deadline)
        if ballot is None:
            result.ballots_not_open += 1
            return
        overall, comment = score_plan[i]
        # The citizen rates with the ballot's own token (the link they were sent), no account.
        token = ballot.get("token")
        resp = await (citizen if token else client).post(
            f"{survey}/v1/communes/{commune.code}/ballots/{ballot['ballot_id']}/submission",
            json={"overall": overall, "comment": comment, **({"token": token} if token else {})},
        )
        _check(resp, 200, 201)
        result.ballots += 1
        result.low_scores += overall <= 2

    await asyncio.gather(*(rate(i) for i in score_plan))
    return result


async def load_demo(
    urls: Mapping[str, str],
    *,
    communes: Sequence[DemoCommune] = DEMO_COMMUNES,
    seed: int = 2024,
    ballot_wait: float = 10.0,
    client: httpx.AsyncClient | None = None,
    log: Callable[[str], None] = print,
    password: str = DEMO_PASSWORD,
) -> list[CommuneResult]:
    """Load the demo district through the HTTP APIs at ``urls`` ({"intake": base URL,
    "survey": ..., "reporting": ...}). Communes that already have dossiers are skipped."""
    own_client = client is None
    if client is None:
        client = httpx.AsyncClient(timeout=15)
    try:
        intake = urls["intake"].rstrip("/")
        admin = await sign_in(client, urls, "quantri", password)
        procedures = _check(await client.get(f"{intake}/v1/catalogue/procedures", headers=admin), 200)
        if isinstance(procedures, dict):  # tolerate {"items": [...]}
            procedures = procedures.get("items") or []
        if not procedures:
            raise DemoError(f"{intake}/v1/catalogue/procedures returned no procedures: nothing to submit")
        await load_notify_demo(client, urls, communes, log=log, password=password)  # letterheads first
        results = await asyncio.gather(
            *(
                _load_commune(client, urls, c, procedures, random.Random(f"{seed}-{c.code}"), ballot_wait,
                              password)
                for c in communes
            )
        )
        log("demo data:")
        for r in results:
            log(r.line())
        await load_survey_demo(client, urls, communes, seed=seed, log=log, password=password)
        await load_sessions_demo(client, urls, communes, sign_in, seed=seed, log=log, password=password)
        reporting = urls.get("reporting")
        if reporting:
            await _log_figures(client, reporting.rstrip("/"), log, await sign_in(client, urls, "giamsat", password))
            await show_reporting(client, urls, await sign_in(client, urls, "giamsat", password), [c.code for c in communes], log)
        return list(results)
    finally:
        if own_client:
            await client.aclose()


async def _log_figures(client: httpx.AsyncClient, reporting: str, log: Callable[[str], None],
                       headers: Mapping[str, str]) -> None:
    url = f"{reporting}/v1/figures"
    try:
        resp = await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        log(f"  district figures: {url} not reachable ({exc})")
        return
    if resp.status_code != 200:
        log(f"  district figures: {url} -> HTTP {resp.status_code}")
        return
    text = json.dumps(resp.json(), ensure_ascii=False)
    if len(text) > 300:
        text = text[:297] + "..."
    log(f"  district figures ({url}; reporting catches up within seconds): {text}")
