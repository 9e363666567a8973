"""Starter catalogue of commune-level procedures (a first slice; the full catalogue
with per-commune overrides and CSV/JSON import is its own issue)."""

from dataclasses import dataclass

from motcua_contracts import LifeEvent


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field: str
    processing_days: float
    life_event: LifeEvent | None = None


STARTER_CATALOGUE: tuple[Procedure, ...] = (
    Procedure("HT-KHAISINH", "Đăng ký khai sinh", "ho_tich", 0, LifeEvent.BIRTH),
    Procedure("HT-KETHON", "Đăng ký kết hôn", "ho_tich", 0, LifeEvent.MARRIAGE),
    Procedure("HT-KHAITU", "Đăng ký khai tử", "ho_tich", 0, LifeEvent.DEATH),
    Procedure("HT-XNTTHN", "Cấp giấy xác nhận tình trạng hôn nhân", "ho_tich", 3),
    Procedure("HT-TRICHLUC", "Cấp bản sao trích lục hộ tịch", "ho_tich", 0),
    Procedure("CT-BANSAO", "Chứng thực bản sao từ bản chính", "chung_thuc", 0),
    Procedure("CT-CHUKY", "Chứng thực chữ ký", "chung_thuc", 0),
    Procedure("CT-HOPDONG", "Chứng thực hợp đồng, giao dịch", "chung_thuc", 2),
    Procedure("DD-HOGIAI", "Hòa giải tranh chấp đất đai", "dat_dai", 30),
    Procedure("XD-GPXD", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "xay_dung", 15),
)


def find_procedure(code: str) -> Procedure | None:
    return next((p for p in STARTER_CATALOGUE if p.code == code), None)
