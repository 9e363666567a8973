"""The survey's rules without servers: the question set, anonymity, follow-ups, feedback due
and late, campaigns, kiosk taps counted once."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from motcua_contracts import FeedbackKind, SurveyChannel
from motcua_survey.domain.campaign import (
    AnsweredOutsideCampaign,
    Campaign,
    CampaignKind,
    InvalidCampaign,
    Tally,
    check_answered_on,
    check_new_dates,
    compare,
    progress,
)
from motcua_survey.domain.feedback import Feedback, FeedbackAlreadyAnswered, new_feedback_code
from motcua_survey.domain.follow_up import FollowUpReason, follow_up_reason
from motcua_survey.domain.model import TOKEN_ALPHABET, Ballot, InvalidRating, Rating, SurveyAnswer, new_token
from motcua_survey.service_layer import handlers

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def answer(overall: int, complaint: bool = False) -> SurveyAnswer:
    return SurveyAnswer(id=uuid4(), commune_code="26041", channel=SurveyChannel.KIOSK,
                        rating=Rating(overall, complaint=complaint), submitted_at=NOW)


def test_tokens_are_ten_unambiguous_characters():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) == 10 and set(t) <= set(TOKEN_ALPHABET) for t in tokens)
    assert not set("01ilo") & set(TOKEN_ALPHABET)


def test_the_question_set_knows_its_questions_and_the_scale():
    rating = Rating(4, factors={"access": 5, "feedback": 3}, commitments={"three_nos": 4}, visits=2)
    assert rating.question_set == "sipas-2025.1" and rating.satisfied
    with pytest.raises(InvalidRating, match="unknown question"):
        Rating(4, factors={"speed": 5})
    with pytest.raises(InvalidRating, match="unknown question"):
        Rating(4, commitments={"five_nos": 5})
    with pytest.raises(InvalidRating):
        Rating(4, commitments={"five_knows": 6})
    with pytest.raises(InvalidRating):
        Rating(4, visits=0)
    with pytest.raises(InvalidRating):
        Rating(4, question_set="sipas-1999")


def test_an_anonymous_answer_forgets_the_dossier_but_keeps_procedure_and_officer():
    ballot = Ballot.open(commune_code="26041", dossier_id=uuid4(), dossier_code="26041-260302-0001",
                         procedure_code="HT-KHAISINH", officer_id="cb-01", opened_at=NOW, ttl=timedelta(days=30))
    counted = ballot.submit(Rating(5, comment="Tốt"), NOW, anonymous=True)
    assert counted.dossier_id is None and counted.dossier_code is None and counted.anonymous
    assert (counted.commune_code, counted.procedure_code, counted.officer_id) == ("26041", "HT-KHAISINH", "cb-01")
    assert ballot.rating is None  # the ballot names the dossier: it keeps no answer


@pytest.mark.parametrize("overall, complaint, threshold, reason", [
    (5, True, 2, FollowUpReason.COMPLAINT), (2, False, 2, FollowUpReason.LOW_SCORE),
    (3, False, 2, None), (2, False, 1, None), (1, False, 1, FollowUpReason.LOW_SCORE),
])
def test_a_complaint_or_a_score_at_the_threshold_calls_for_the_leader(overall, complaint, threshold, reason):
    assert follow_up_reason(answer(overall, complaint), threshold) == reason


def test_feedback_answered_after_its_due_date_stays_late():
    due = NOW + timedelta(days=14)
    item = Feedback(commune_code="26041", kind=FeedbackKind.PETITION, content="Đề nghị", received_at=NOW,
                    due_at=due, code=new_feedback_code(FeedbackKind.PETITION))
    assert item.code.startswith("KN-") and not item.late(NOW)
    assert item.is_overdue(due + timedelta(seconds=1))
    item.answer("Trả lời", "cb-01", due + timedelta(hours=1))
    assert item.answered_on_time is False and item.late(due + timedelta(days=30))
    with pytest.raises(FeedbackAlreadyAnswered):
        item.answer("Lần hai", "cb-01", due)


def test_feedback_is_due_ten_working_days_later_on_the_default_calendar():
    # Received Monday 26 Jan 2026 09:00 (UTC+7); Tết 2026 closes 16-20 Feb, not in the way here.
    received = datetime(2026, 1, 26, 2, 0, tzinfo=UTC)
    due = handlers.default_calendar(2026).appointment(received, 10)
    assert due.astimezone(handlers.default_calendar(2026).tz).date() == date(2026, 2, 9)
    # Ten working days from Friday 13 Feb 2026 run across the Tết break.
    received = datetime(2026, 2, 13, 2, 0, tzinfo=UTC)
    due = handlers.default_calendar(2026).appointment(received, 10)
    assert due.astimezone(handlers.default_calendar(2026).tz).date() == date(2026, 3, 6)


def test_campaign_rules_progress_and_before_after():
    kwargs = dict(name="Khảo sát", kind=CampaignKind.BASELINE, communes=("26041",), target_sample=600,
                  channel=SurveyChannel.PAPER, question_set="sipas-2025.1", created_at=NOW, created_by="quantri")
    with pytest.raises(InvalidCampaign):
        Campaign(starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1), **kwargs)
    with pytest.raises(InvalidCampaign):
        Campaign(starts_on=date(2026, 4, 1), ends_on=date(2026, 5, 1), **{**kwargs, "channel": SurveyChannel.KIOSK})
    campaign = Campaign(starts_on=date(2026, 4, 1), ends_on=date(2026, 5, 1), **kwargs)
    city = Tally(answers=600, satisfied=548, factor_means={"officer": 4.1})
    assert progress(campaign, city) == 1.0 and city.satisfaction_rate == 0.9133
    communes = Tally(answers=2723, satisfied=2658, factor_means={"officer": 4.6})
    change = compare(city, communes)
    assert change["satisfaction_rate_change_points"] == 6.28 and change["factor_mean_change"] == {"officer": 0.5}


def test_campaign_days_are_plausible_and_paper_answers_fall_within_them():
    """Fuzzing: a campaign from 0001-01-01 to 9999-12-31, and paper ballots answered on those
    days, were accepted."""
    for first, last in ((date(1, 1, 1), date(9999, 12, 31)), (date(1999, 12, 31), date(2000, 1, 5)),
                        (date(2026, 1, 1), date(2030, 1, 1))):
        with pytest.raises(InvalidCampaign):
            check_new_dates(first, last)
    check_new_dates(date(2026, 1, 5), date(2026, 12, 20))
    kwargs = dict(name="Khảo sát", kind=CampaignKind.YEARLY, communes=("26041",), target_sample=600,
                  channel=SurveyChannel.PAPER, question_set="sipas-2025.1", created_at=NOW, created_by="quantri")
    campaign = Campaign(starts_on=date(2026, 4, 1), ends_on=date(2026, 5, 31), **kwargs)
    check_answered_on(campaign, date(2026, 4, 1), today=date(2026, 6, 10))
    check_answered_on(campaign, date(2026, 5, 31), today=date(2026, 6, 10))
    for day, today in ((date(2026, 3, 31), date(2026, 6, 10)), (date(2026, 6, 1), date(2026, 6, 10)),
                       (date(2026, 4, 20), date(2026, 4, 19)), (date(9999, 12, 31), date(2026, 6, 10))):
        with pytest.raises(AnsweredOutsideCampaign):
            check_answered_on(campaign, day, today=today)


@pytest.mark.asyncio
async def test_a_kiosk_tap_sent_twice_is_counted_once(uow):
    tap = handlers.KioskTap(client_id=uuid4(), overall=1, officer_id="cb-01")
    policy = handlers.SurveyPolicy()
    first = await handlers.record_kiosk_taps("26041", [tap], lambda: uow, NOW, policy, "corr")
    again = await handlers.record_kiosk_taps("26041", [tap], lambda: uow, NOW, policy, "corr")
    assert (first.recorded, first.duplicates) == ([tap.client_id], [])
    assert (again.recorded, again.duplicates) == ([], [tap.client_id])
    assert len(uow.events_of("SurveySubmitted")) == 1
    [raised] = uow.events_of("FollowUpRaised")
    assert raised.data.reason == "low_score" and raised.data.ballot_id == tap.client_id


@pytest.mark.asyncio
async def test_a_bad_tap_refuses_the_whole_request(uow):
    taps = [handlers.KioskTap(client_id=uuid4(), overall=5, officer_id=None),
            handlers.KioskTap(client_id=uuid4(), overall=9, officer_id=None)]
    with pytest.raises(InvalidRating):
        await handlers.record_kiosk_taps("26041", taps, lambda: uow, NOW, handlers.SurveyPolicy(), "corr")
    assert uow.published == [] and uow.answers_store == {}


@pytest.mark.asyncio
async def test_a_paper_number_twice_in_one_batch_refuses_it_before_anything_is_read(uow):
    command = handlers.EnterPaperBatch(
        commune_code="26041", campaign_id=uuid4(), team_id="to-1", correlation_id="corr",
        ballots=(handlers.PaperBallot("A-1", 5), handlers.PaperBallot("A-2", 4), handlers.PaperBallot("A-1", 3)))
    with pytest.raises(handlers.PaperNumbersTaken) as refused:
        await handlers.enter_paper_batch(command, uow, NOW, handlers.SurveyPolicy())
    assert refused.value.numbers == ["A-1"] and uow.commits == 0
