"""The procedure catalogue against a real MongoDB replica set: seeding, all-or-nothing
imports, idempotent re-imports, per-commune overrides, and the HTTP API on top."""

import asyncio
import json
import uuid

import httpx
import pytest
from fastapi import FastAPI

from motcua_intake.adapters import catalogue_store as store
from motcua_intake.domain.catalogue import COLUMNS, STARTER_CATALOGUE, InvalidCatalogue, Origin
from motcua_intake.entrypoints import catalogue_http
from motcua_runtime.errors import install_error_handlers
from motcua_runtime.mongo import create_mongo_client

pytestmark = pytest.mark.integration

HEADER = ",".join(COLUMNS)
ROW = "LT-{n:03d},Thủ tục thử nghiệm số {n},chung_thuc,Chứng thực,working_days,{days},{fee},,,Tờ khai,commune,,true"


def thirty_rows(bad_at: int | None = None, fee: int = 10_000) -> str:
    rows = [ROW.format(n=n, days=2, fee=fee) for n in range(1, 31)]
    if bad_at is not None:
        rows[bad_at - 2] = rows[bad_at - 2].replace(",chung_thuc,Chứng thực,", ",thue,,")
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture(scope="module")
async def client(stack):
    mongo = create_mongo_client(stack.mongodb_uri, app_name="motcua-test-catalogue")
    yield mongo
    await mongo.close()


@pytest.fixture
async def db(client):
    database = client[f"test_catalogue_{uuid.uuid4().hex[:8]}"]
    await store.ensure_catalogue_indexes(database)
    yield database
    await client.drop_database(database.name)


async def count(db, collection=store.PROCEDURES) -> int:
    return await db[collection].count_documents({})


async def test_the_starter_catalogue_is_seeded_once_even_by_replicas_starting_together(db):
    inserted = await asyncio.gather(store.seed_starter_catalogue(db), store.seed_starter_catalogue(db))
    assert sum(inserted) == len(STARTER_CATALOGUE) == await count(db)
    assert await store.seed_starter_catalogue(db) == 0
    assert await store.get_procedure(db, None, "HT-KHAISINH") == next(
        p for p in STARTER_CATALOGUE if p.code == "HT-KHAISINH")


async def test_one_bad_row_among_thirty_writes_nothing(db):
    with pytest.raises(InvalidCatalogue) as caught:
        await store.import_catalogue_file(db, thirty_rows(bad_at=17), "csv")
    assert [(p.line, p.column) for p in caught.value.problems] == [(17, "field")]
    assert await count(db) == 0
    await store.seed_starter_catalogue(db)
    with pytest.raises(InvalidCatalogue):
        await store.import_catalogue_file(db, thirty_rows(bad_at=31), "csv")
    assert await count(db) == len(STARTER_CATALOGUE)


async def test_a_row_refused_by_what_is_stored_also_writes_nothing(db):
    await store.seed_starter_catalogue(db)
    commune = "T" + uuid.uuid4().hex[:8]
    rows = ["kind," + HEADER, "override,CT-CHUKY,,,,,,0,,,,,,"]
    rows += [f"local,{ROW.format(n=n, days=1, fee=0)}" for n in range(1, 29)]
    rows += ["override,NO-SUCH,,,,,,0,,,,,,", "local,HT-KHAISINH,Khai sinh riêng,ho_tich,,same_day,,0,,,,,,"]
    with pytest.raises(InvalidCatalogue) as caught:
        await store.import_catalogue_file(db, "\n".join(rows) + "\n", "csv", commune_code=commune)
    assert [(p.line, p.column) for p in caught.value.problems] == [(31, "code"), (32, "code")]
    assert "không có trong danh mục chung" in caught.value.problems[0].message_vi
    assert "dùng kind override" in caught.value.problems[1].message_vi
    assert await count(db, store.COMMUNE_ENTRIES) == 0


async def test_importing_the_same_file_again_changes_nothing(db):
    first = await store.import_catalogue_file(db, thirty_rows(), "csv")
    assert (len(first.created), len(first.updated), len(first.unchanged)) == (30, 0, 0)
    stored = await db[store.PROCEDURES].find({}, {"updated_at": 0}).sort("_id").to_list()
    second = await store.import_catalogue_file(db, thirty_rows(), "csv")
    assert (len(second.created), len(second.updated), len(second.unchanged)) == (0, 0, 30)
    assert await db[store.PROCEDURES].find({}, {"updated_at": 0}).sort("_id").to_list() == stored
    changed = await store.import_catalogue_file(db, thirty_rows(fee=12_000), "csv")
    assert len(changed.updated) == 30 and await count(db) == 30
    assert (await store.get_procedure(db, None, "LT-001")).fee_vnd == 12_000


async def test_a_dry_run_reports_without_writing(db):
    report = await store.import_catalogue_file(db, thirty_rows(), "csv", dry_run=True)
    assert len(report.created) == 30 and report.dry_run
    assert await count(db) == 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_an_export_re_imports_unchanged(db, fmt):
    await store.seed_starter_catalogue(db)
    exported = await store.export_catalogue_file(db, fmt)
    report = await store.import_catalogue_file(db, exported, fmt)
    assert len(report.unchanged) == len(STARTER_CATALOGUE) and not report.created and not report.updated
    assert await store.export_catalogue_file(db, fmt) == exported


async def test_a_communes_override_applies_to_that_commune_only(db):
    await store.seed_starter_catalogue(db)
    commune, other = "T" + uuid.uuid4().hex[:8], "T" + uuid.uuid4().hex[:8]
    file = "\n".join([
        "kind," + HEADER,
        "override,CT-CHUKY,,,,,,0,Xã hỗ trợ lệ phí,,,,,",
        "override,HT-XNTTHN,,,,working_days,2,,,,,,,",
        "override,DD-HOGIAI,,,,,,,,,,Tổ hòa giải thôn,,false",
        "local,XA-CAYXANH,Đăng ký trồng cây xanh tại khu dân cư,moi_truong,,same_day,,0,,,Đơn đăng ký,commune,,true",
    ]) + "\n"
    report = await store.import_catalogue_file(db, file, "csv", commune_code=commune)
    assert sorted(report.created) == ["CT-CHUKY", "DD-HOGIAI", "HT-XNTTHN", "XA-CAYXANH"]

    chuky = await store.get_procedure(db, commune, "CT-CHUKY")
    assert (chuky.fee_vnd, chuky.fee_note, chuky.name) == (0, "Xã hỗ trợ lệ phí", "Chứng thực chữ ký")
    assert (await store.get_procedure(db, commune, "HT-XNTTHN")).processing_days == 2
    hogiai = await store.get_procedure(db, commune, "dd-hogiai")
    assert (hogiai.active, hogiai.handling_body) == (False, "Tổ hòa giải thôn")
    assert (await store.get_procedure(db, other, "CT-CHUKY")).fee_vnd == 10_000
    assert await store.get_procedure(db, other, "XA-CAYXANH") is None

    listed = {e.procedure.code: e for e in await store.list_procedures(db, commune)}
    assert "DD-HOGIAI" not in listed and listed["XA-CAYXANH"].origin is Origin.LOCAL
    assert listed["CT-CHUKY"].origin is Origin.OVERRIDE and listed["HT-KHAISINH"].origin is Origin.DEPLOYMENT
    found = await store.list_procedures(db, commune, "cay xanh")
    assert [e.procedure.code for e in found] == ["XA-CAYXANH"]

    exported = await store.export_catalogue_file(db, "csv", commune_code=commune)
    again = await store.import_catalogue_file(db, exported, "csv", commune_code=commune)
    assert len(again.unchanged) == 4 and not again.created and not again.updated
    assert await store.delete_commune_entry(db, commune, "CT-CHUKY")
    assert (await store.get_procedure(db, commune, "CT-CHUKY")).fee_vnd == 10_000


async def test_search_ignores_diacritics_in_the_store(db):
    await store.seed_starter_catalogue(db)
    for query in ("khai sinh", "khaisinh", "Khai Sinh", "đăng ký khai sinh"):
        assert (await store.list_procedures(db, None, query))[0].procedure.code == "HT-KHAISINH", query
    assert {e.procedure.field for e in await store.list_procedures(db, None, "chung thuc")} == {"chung_thuc"}


# --------------------------------------------------------------------------- HTTP


@pytest.fixture
async def api(db):
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(catalogue_http.router(lambda: db))
    await store.seed_starter_catalogue(db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        yield client


async def test_http_search_get_and_edit(api, db):
    page = (await api.get("/v1/catalogue/procedures", params={"q": "chung thuc chu ky"})).json()
    assert page["items"][0]["code"] == "CT-CHUKY" and page["items"][0]["fee_vnd"] == 10_000
    one = (await api.get("/v1/catalogue/procedures/HT-KHAISINH")).json()
    assert one["processing_time_text"] == "Trong ngày" and one["life_event"] == "birth"
    missing = await api.get("/v1/catalogue/procedures/NO-SUCH")
    assert missing.status_code == 404 and "Không có thủ tục" in missing.json()["error"]["message"]

    body = {"name": "Xác nhận hộ gia đình làm nông nghiệp có mức sống trung bình", "field": "Bảo trợ xã hội",
            "processing_unit": "working_days", "processing_amount": 7, "fee_vnd": "0",
            "required_documents": ["Giấy đề nghị xác nhận"]}
    created = await api.post("/v1/catalogue/procedures", json=body | {"code": "BTXH-XNNN"})
    assert created.status_code == 201 and created.json()["field"] == "bao_tro_xa_hoi"
    again = await api.post("/v1/catalogue/procedures", json=body | {"code": "BTXH-XNNN"})
    assert again.status_code == 409
    invalid = await api.put("/v1/catalogue/procedures/BTXH-XNNN", json=body | {"processing_amount": -1},
                            headers={"Accept-Language": "en"})
    assert invalid.status_code == 422 and "cannot be negative" in invalid.json()["error"]["message"]
    assert "không được âm" in invalid.json()["error"]["message_vi"]

    commune = "T" + uuid.uuid4().hex[:8]
    override = await api.put(f"/v1/catalogue/communes/{commune}/procedures/CT-CHUKY",
                             json={"kind": "override", "fee_vnd": 0})
    assert override.status_code == 200 and override.json()["fee_vnd"] == 0 and override.json()["origin"] == "override"
    seen = (await api.get("/v1/catalogue/procedures/CT-CHUKY", params={"commune_code": commune})).json()
    assert seen["fee_vnd"] == 0
    refused = await api.put(f"/v1/catalogue/communes/{commune}/procedures/NO-SUCH",
                            json={"kind": "override", "fee_vnd": 0})
    assert refused.status_code == 422
    assert (await api.delete(f"/v1/catalogue/communes/{commune}/procedures/CT-CHUKY")).status_code == 204


async def test_http_import_refuses_bad_rows_with_their_lines_and_writes_nothing(api, db):
    before = await count(db)
    response = await api.post("/v1/catalogue/import", params={"format": "csv"},
                              content=thirty_rows(bad_at=9).encode("utf-8"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "catalogue_import_invalid"
    assert [(p["line"], p["column"]) for p in error["problems"]] == [(9, "field")]
    assert error["message"].startswith("Tệp có 1 lỗi") and "Dòng 9, cột field" in error["message"]
    assert await count(db) == before

    ok = await api.post("/v1/catalogue/import", content=thirty_rows().encode("utf-8-sig"),
                        headers={"Content-Type": "text/csv"})
    assert ok.status_code == 200 and len(ok.json()["created"]) == 30 and ok.json()["total"] == 30
    unknown = await api.post("/v1/catalogue/import", content=b"[]", headers={"Content-Type": "image/png"})
    assert unknown.status_code == 415
    latin = await api.post("/v1/catalogue/import?format=csv", content="Hộ tịch".encode("utf-16"))
    assert latin.status_code == 422 and "UTF-8" in latin.json()["error"]["message"]


async def test_http_export_downloads_a_file_that_imports_back_unchanged(api, db):
    csv_file = await api.get("/v1/catalogue/export", params={"format": "csv"})
    assert csv_file.status_code == 200 and csv_file.content.startswith("\ufeff".encode("utf-8"))
    assert 'filename="danh-muc-thu-tuc.csv"' in csv_file.headers["content-disposition"]
    report = await api.post("/v1/catalogue/import?format=csv", content=csv_file.content)
    assert report.json()["unchanged"] == len(STARTER_CATALOGUE) and report.json()["created"] == []

    json_file = await api.get("/v1/catalogue/export", params={"format": "json"})
    assert len(json.loads(json_file.content)) == len(STARTER_CATALOGUE)
    report = await api.post("/v1/catalogue/import", content=json_file.content,
                            headers={"Content-Type": "application/json"})
    assert report.json()["unchanged"] == len(STARTER_CATALOGUE)
