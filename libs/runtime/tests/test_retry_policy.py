import json

from pydantic import BaseModel, ValidationError

from motcua_runtime.consumer import PoisonMessage, _poison_reason, retry_delay


def test_retry_delay_grows_and_is_capped():
    delays = [retry_delay(n, cap=30) for n in range(1, 10)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(delays) == 30 and delays == sorted(delays)


def test_schema_and_json_errors_are_poison_other_errors_are_transient():
    class M(BaseModel):
        n: int

    try:
        M.model_validate({"n": "x"})
    except ValidationError as error:
        assert "schema validation failed" in _poison_reason(error)
    try:
        json.loads("{")
    except json.JSONDecodeError as error:
        assert "not JSON" in _poison_reason(error)
    assert _poison_reason(PoisonMessage("unknown commune")) == "unknown commune"
    assert _poison_reason(ConnectionError("mongo down")) is None


def test_invalid_requests_are_explained_in_vietnamese_first():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from pydantic import Field

    from motcua_runtime.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    class Body(BaseModel):
        phone: str = Field(pattern=r"^0\d{9}$")
        count: int

    @app.post("/x")
    def x(body: Body) -> dict:
        return {}

    client = TestClient(app)
    vi = client.post("/x", json={"phone": "12"}).json()["error"]
    assert vi["message"] == "Dữ liệu gửi lên không hợp lệ: phone: sai định dạng; count: bắt buộc phải có"
    en = client.post("/x", json={"phone": "12"}, headers={"Accept-Language": "en"}).json()["error"]
    assert en["message"].startswith("The request is not valid: phone:")
