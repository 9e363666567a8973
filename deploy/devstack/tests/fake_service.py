"""A stand-in for the services (identity and the four others), speaking the HTTP contract the demo loader uses.

Used only by test_stack.py, to exercise Stack / ServiceProcess / load_demo end to end
against real uvicorn processes, NATS and MongoDB while the real services are being written.
State lives in MongoDB (database ``$FAKE_SHARED_DB``) so the four processes share it.
"""

import os
import time
import uuid
from typing import Literal

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, Field
from pymongo import MongoClient, ReturnDocument

PROCEDURES = [
    {"code": "1.001", "name": "Chứng thực bản sao từ bản chính", "field": "Chứng thực",
     "processing_days": 0, "life_event": None},
    {"code": "1.002", "name": "Đăng ký kết hôn", "field": "Hộ tịch", "processing_days": 0,
     "life_event": "marriage"},
    {"code": "1.003", "name": "Đăng ký khai sinh", "field": "Hộ tịch", "processing_days": 0,
     "life_event": "birth"},
    {"code": "1.004", "name": "Đăng ký khai tử", "field": "Hộ tịch", "processing_days": 0,
     "life_event": "death"},
]  # fmt: skip


class Applicant(BaseModel):
    full_name: str = Field(min_length=2)
    id_number: str = Field(pattern=r"^\d{12}$")
    phone: str = Field(pattern=r"^0[39]\d{8}$")
    address: str


class NewDossier(BaseModel):
    procedure_code: str
    channel: Literal["counter", "online", "post", "out_of_hours", "at_home", "assisted"]
    applicant: Applicant
    consent_letters: bool
    consent_sms: bool


class ReturnResult(BaseModel):
    return_channel: Literal["counter", "at_home", "post", "online"]
    officer_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")


class Submission(BaseModel):
    overall: int = Field(ge=1, le=5)
    comment: str | None = None


def _app(name: str) -> FastAPI:
    prefix = f"{name.upper()}_"
    client = MongoClient(os.environ["MONGODB_URI"], serverSelectionTimeoutMS=3000)
    db = client[os.environ["FAKE_SHARED_DB"]]
    app = FastAPI(title=f"fake {name}")

    @app.get("/health/ready")
    def ready(response: Response):
        problems = [v for v in ("NATS_URL", "MONGODB_URI", f"{prefix}DATABASE") if not os.environ.get(v)]
        if os.environ.get(f"{prefix}LOG_JSON") != "false":
            problems.append(f"{prefix}LOG_JSON")
        client.admin.command("ping")
        if problems:
            response.status_code = 503
        return {"service": name, "database": os.environ.get(f"{prefix}DATABASE"), "problems": problems}

    return app, db


def create_intake() -> FastAPI:
    app, db = _app("intake")

    @app.get("/v1/catalogue/procedures")
    def procedures():
        return PROCEDURES

    @app.post("/v1/communes/{commune}/dossiers", status_code=201)
    def submit(commune: str, body: NewDossier):
        if body.procedure_code not in {p["code"] for p in PROCEDURES}:
            raise HTTPException(422, "unknown procedure")
        seq = db.counters.find_one_and_update(
            {"_id": commune}, {"$inc": {"n": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )["n"]
        code = f"{commune}-{seq:04d}"
        db.dossiers.insert_one({"_id": code, "commune": commune, "status": "received", **body.model_dump()})
        return {"dossier_id": str(uuid.uuid4()), "dossier_code": code,
                "appointment_at": "2025-01-02T16:00:00+07:00", "status": "received"}  # fmt: skip

    @app.get("/v1/communes/{commune}/dossiers")
    def list_dossiers(commune: str, limit: int = 50):
        items = list(db.dossiers.find({"commune": commune}, {"_id": 0}).limit(limit))
        return {"items": items, "total": db.dossiers.count_documents({"commune": commune})}

    @app.post("/v1/communes/{commune}/dossiers/{code}/return")
    def give_back(commune: str, code: str, body: ReturnResult):
        done = db.dossiers.update_one({"_id": code, "commune": commune}, {"$set": {"status": "returned"}})
        if not done.matched_count:
            raise HTTPException(404)
        # survey opens the ballot when it sees the event: a little later
        db.ballots.insert_one({"_id": str(uuid.uuid4()), "commune": commune, "dossier_code": code,
                               "status": "open", "visible_at": time.time() + 0.5})  # fmt: skip
        return {"dossier_code": code, "status": "returned"}

    @app.post("/v1/communes/{commune}/dossiers/{code}/{action}")
    def act(commune: str, code: str, action: str):
        """Any other lifecycle step (assignment, hand-over, supplement request, reschedule...)."""
        if not db.dossiers.count_documents({"_id": code, "commune": commune}):
            raise HTTPException(404)
        return {"dossier_code": code, "action": action}

    return app


def create_survey() -> FastAPI:
    app, db = _app("survey")

    @app.get("/v1/communes/{commune}/ballots")
    def ballots(commune: str, dossier_code: str):
        found = db.ballots.find({"commune": commune, "dossier_code": dossier_code, "visible_at": {"$lte": time.time()}})
        return {"items": [{"ballot_id": b["_id"], "dossier_code": b["dossier_code"], "status": b["status"]}
                          for b in found]}  # fmt: skip

    @app.post("/v1/communes/{commune}/ballots/{ballot_id}/submission", status_code=201)
    def submit(commune: str, ballot_id: str, body: Submission):
        done = db.ballots.update_one(
            {"_id": ballot_id, "commune": commune, "status": "open"},
            {"$set": {"status": "submitted", **body.model_dump()}},
        )
        if not done.matched_count:
            raise HTTPException(409)
        return {"ballot_id": ballot_id, "status": "submitted"}

    return app


def create_reporting() -> FastAPI:
    app, db = _app("reporting")

    @app.get("/v1/figures")
    def figures():
        return {"dossiers": db.dossiers.count_documents({}), "ballots": db.ballots.count_documents({"status": "submitted"})}

    return app


def create_notify() -> FastAPI:
    return _app("notify")[0]


def create_hooks() -> FastAPI:
    return _app("hooks")[0]


def create_identity() -> FastAPI:
    app, _ = _app("identity")

    @app.post("/v1/token")
    def token(body: dict):
        return {"access_token": f"fake-{body['username']}", "token_type": "Bearer", "expires_in": 60}

    return app
