from pymongo.asynchronous.client_session import AsyncClientSession

from motcua_runtime.unit_of_work import MongoUnitOfWork

from motcua_survey.adapters.repository import (
    MongoAnswerRepository,
    MongoBallotRepository,
    MongoCampaignRepository,
    MongoFeedbackRepository,
    MongoFollowUpRepository,
)


class MongoSurveyUnitOfWork(MongoUnitOfWork):
    def _bind(self, session: AsyncClientSession) -> None:
        self.ballots = MongoBallotRepository(self.db, session)
        self.answers = MongoAnswerRepository(self.db, session)
        self.follow_ups = MongoFollowUpRepository(self.db, session)
        self.feedback = MongoFeedbackRepository(self.db, session)
        self.campaigns = MongoCampaignRepository(self.db, session)
