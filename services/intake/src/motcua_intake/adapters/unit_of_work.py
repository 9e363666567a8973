from pymongo.asynchronous.client_session import AsyncClientSession

from motcua_runtime.unit_of_work import MongoUnitOfWork

from motcua_intake.adapters.repository import MongoDossierRepository
from motcua_intake.adapters.session_store import MongoSessionRepository


class MongoIntakeUnitOfWork(MongoUnitOfWork):
    def _bind(self, session: AsyncClientSession) -> None:
        self.dossiers = MongoDossierRepository(self.db, session)
        self.sessions = MongoSessionRepository(self.db, session)
