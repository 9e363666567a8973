"""Errors a caller can cause answer 4xx with a reason, whatever layer notices them."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from motcua_runtime.errors import install_error_handlers


def _app(error: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/store")
    async def store() -> dict:
        raise error

    return TestClient(app, raise_server_exceptions=False)


def test_a_number_too_large_for_the_database_is_a_422_in_vietnamese_and_english():
    # What pymongo raises when a document carries an integer beyond 8 bytes.
    client = _app(OverflowError("MongoDB can only handle up to 8-byte ints"))
    answer = client.post("/store")
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "number_too_large"
    assert answer.json()["error"]["message"] == "Dữ liệu gửi lên chứa số quá lớn để lưu trữ."
    english = client.post("/store", headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"] == "The request contains a number too large to store."


def test_other_failures_stay_server_errors():
    assert _app(RuntimeError("bug")).post("/store").status_code == 500


def test_text_no_database_can_store_is_a_422():
    client = _app(UnicodeEncodeError("utf-8", "\udbdd", 0, 1, "surrogates not allowed"))
    answer = client.post("/store")
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_text"
    assert "Unicode" in answer.json()["error"]["message_vi"]


def test_the_frameworks_own_refusals_answer_in_the_same_shape():
    client = _app(RuntimeError("unused"))
    unknown = client.get("/khong-co")
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "Không có địa chỉ này."
    wrong_method = client.get("/store")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert wrong_method.json()["error"]["code"] == "http_405"


def test_a_body_nested_too_deep_is_a_400_with_a_reason():
    from pydantic import BaseModel

    app = FastAPI()
    install_error_handlers(app)

    class Body(BaseModel):
        x: dict = {}

    @app.post("/echo")
    async def echo(body: Body) -> dict:
        return {}

    answer = TestClient(app).post("/echo", content=b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                                  headers={"Content-Type": "application/json"})
    assert answer.status_code in (400, 422)
    assert answer.json()["error"]["message_en"]
