"""The friendly-government scorecard (chính quyền thân thiện): each commune's figures against the
district's targets. Criteria and thresholds are configuration (stored, changed by an
administrator); a commune meets the standard when it meets every criterion."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from motcua_reporting.domain.figures import Figures

#: Figures a criterion may be set on: name -> (Vietnamese label, English label).
METRICS: dict[str, tuple[str, str]] = {
    "online_share": ("Tỷ lệ hồ sơ trực tuyến", "Online share"),
    "on_time_rate": ("Chỉ số đúng hạn (QĐ 766)", "On-time index (Decision 766)"),
    "satisfaction_index_766": ("Chỉ số hài lòng (QĐ 766)", "Satisfaction index (Decision 766)"),
    "ballot_satisfaction_rate": ("Tỷ lệ phiếu hài lòng", "Ballot satisfaction rate"),
    "feedback_on_time_rate": ("Tỷ lệ phản ánh xử lý đúng hạn", "Feedback answered on time"),
    "apology_gap": ("Số thư xin lỗi còn thiếu", "Apology letters missing"),
    "pending_overdue": ("Hồ sơ tồn quá hạn", "Pending overdue dossiers"),
    "returned_at_home": ("Kết quả trả tại nhà", "Results returned at home"),
    "sessions_held": ("Phiên ngoài giờ đã tổ chức", "Out-of-hours sessions held"),
}


class Criterion(BaseModel):
    metric: str = Field(description=f"One of: {', '.join(METRICS)}")
    op: Literal[">=", "<="] = Field(description="'>=' (at least) or '<=' (at most)")
    threshold: float = Field(ge=0, le=1_000_000_000,
                             description="Rates are fractions 0..1 (0.3 = 30 %); counts are counts")

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric; one of {', '.join(METRICS)}")
        return value


class Criteria(BaseModel):
    criteria: list[Criterion] = Field(min_length=1, max_length=20)


DEFAULT_CRITERIA = Criteria(criteria=[
    Criterion(metric="online_share", op=">=", threshold=0.30),
    Criterion(metric="on_time_rate", op=">=", threshold=0.95),
    Criterion(metric="satisfaction_index_766", op=">=", threshold=0.90),
    Criterion(metric="ballot_satisfaction_rate", op=">=", threshold=0.90),
    Criterion(metric="apology_gap", op="<=", threshold=0),
])


def metric_value(figures: Figures, metric: str) -> float | None:
    return getattr(figures, metric)


@dataclass(frozen=True)
class Check:
    criterion: Criterion
    value: float | None
    #: None when the figure cannot be computed (nothing to measure): not met.
    met: bool


def assess(figures: Figures, criteria: Sequence[Criterion]) -> list[Check]:
    checks = []
    for c in criteria:
        value = metric_value(figures, c.metric)
        met = value is not None and (value >= c.threshold if c.op == ">=" else value <= c.threshold)
        checks.append(Check(c, value, met))
    return checks


def meets_standard(checks: Sequence[Check]) -> bool:
    return all(check.met for check in checks)
