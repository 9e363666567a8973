from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from motcua_runtime.outbox import OutboxRelay
from motcua_runtime.unit_of_work import MongoUnitOfWork

from motcua_intake.adapters.encryption import FieldEncrypter
from motcua_intake.adapters.repository import MongoDossierRepository
from motcua_intake.adapters.session_store import MongoSessionRepository


class MongoIntakeUnitOfWork(MongoUnitOfWork):
    """``encrypter`` (of the applicant's personal fields): default, the one installed for
    ``db`` at start-up."""

    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase, relay: OutboxRelay | None = None,
                 *, encrypter: FieldEncrypter | None = None) -> None:
        super().__init__(client, db, relay)
        self._encrypter = encrypter

    def _bind(self, session: AsyncClientSession) -> None:
        self.dossiers = MongoDossierRepository(self.db, session, self._encrypter)
        self.sessions = MongoSessionRepository(self.db, session)
