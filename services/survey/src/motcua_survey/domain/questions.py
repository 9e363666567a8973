"""The question sets of the satisfaction survey, versioned.

A deployment asks one question set (``SURVEY_QUESTION_SET``); every answer stores the id of
the set it answered, so figures stay comparable across years: a changed wording or a new
question makes a new version, never an edit of an old one.

``sipas-2025.1`` follows the SIPAS index (Bộ Nội vụ): five factors — access to the service,
the procedure, the officer, the result, the handling of feedback — and adds the officers'
commitments of the friendly-government model ("5 biết", "3 không", "4 thể hiện"), all on the
5-point scale, plus how many times the citizen had to come and a free comment.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    key: str
    text_vi: str
    text_en: str

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_vi


@dataclass(frozen=True)
class QuestionSet:
    id: str
    overall: Question
    factors: tuple[Question, ...]
    commitments: tuple[Question, ...]

    @property
    def factor_keys(self) -> frozenset[str]:
        return frozenset(q.key for q in self.factors)

    @property
    def commitment_keys(self) -> frozenset[str]:
        return frozenset(q.key for q in self.commitments)


#: The 5-point scale, best first (how pages list it).
SCALE_VI = {5: "Rất hài lòng", 4: "Hài lòng", 3: "Bình thường", 2: "Không hài lòng", 1: "Rất không hài lòng"}
SCALE_EN = {5: "Very satisfied", 4: "Satisfied", 3: "Neutral", 2: "Unsatisfied", 1: "Very unsatisfied"}

SIPAS_2025_1 = QuestionSet(
    id="sipas-2025.1",
    overall=Question("overall", "Nhìn chung, ông/bà hài lòng thế nào với việc giải quyết thủ tục lần này?",
                     "Overall, how satisfied are you with how this procedure was handled?"),
    factors=(
        Question("access", "Tiếp cận dịch vụ (nơi tiếp nhận, chỗ ngồi, hướng dẫn, giờ làm việc)",
                 "Access to the service (the office, seating, signs, opening hours)"),
        Question("procedure", "Thủ tục hành chính (công khai, đúng quy định, giấy tờ, phí)",
                 "The procedure (published, lawful, papers asked for, fees)"),
        Question("officer", "Công chức giải quyết (thái độ, hướng dẫn, tận tình)",
                 "The officer (attitude, guidance, care)"),
        Question("result", "Kết quả giải quyết (đúng hạn, chính xác, đầy đủ)",
                 "The result (on time, correct, complete)"),
        Question("feedback", "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
                 "How suggestions, feedback and petitions are handled"),
    ),
    commitments=(
        Question("five_knows", "\u201c5 biết\u201d: biết lắng nghe, biết giải thích, biết hành động để dân tin, "
                 "biết xin lỗi, biết cảm ơn",
                 "\u201c5 knows\u201d: listens, explains, acts so people trust, apologises, thanks"),
        Question("three_nos", "\u201c3 không\u201d: không gây phiền hà, không né tránh, không chậm trễ",
                 "\u201c3 nos\u201d: no harassment, no evasion, no delay"),
        Question("four_shows", "\u201c4 thể hiện\u201d: tôn trọng, văn minh, tận tình hướng dẫn, chuyên nghiệp",
                 "\u201c4 shows\u201d: respect, civility, careful guidance, professionalism"),
    ),
)

QUESTION_SETS: dict[str, QuestionSet] = {SIPAS_2025_1.id: SIPAS_2025_1}
DEFAULT_QUESTION_SET = SIPAS_2025_1.id


def question_set(set_id: str) -> QuestionSet:
    """The question set of that id; ``KeyError`` for an unknown one (a configuration error)."""
    return QUESTION_SETS[set_id]
