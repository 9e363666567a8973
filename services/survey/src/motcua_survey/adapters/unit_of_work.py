from pymongo.asynchronous.client_session import AsyncClientSession

from motcua_runtime.unit_of_work import MongoUnitOfWork

from motcua_survey.adapters.repository import MongoBallotRepository


class MongoSurveyUnitOfWork(MongoUnitOfWork):
    def _bind(self, session: AsyncClientSession) -> None:
        self.ballots = MongoBallotRepository(self.db, session)
