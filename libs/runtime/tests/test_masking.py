import json

import structlog

from motcua_runtime.logging import configure_logging, mask_text


def test_ids_and_phones_are_masked_inside_any_text():
    text = "CCCD 079123456789, CMND 123456789, ĐT 0912345678 hoặc +84912345678, hồ sơ 26041-261122-0001"
    masked = mask_text(text)
    for secret in ("079123456789", "123456789", "0912345678", "+84912345678"):
        assert secret not in masked
    assert "*********789" in masked and "26041-261122-0001" in masked


def test_ids_that_merely_contain_digit_runs_are_left_alone():
    correlation = "b15d81ed-a3e6-4444-9236-a9b123456197"
    assert mask_text(f"correlation {correlation}") == f"correlation {correlation}"


def test_a_log_line_never_carries_a_full_id_or_phone(capsys):
    configure_logging(json=True)
    structlog.get_logger("t").info("dossier.received", applicant={"id_number": "079123456789", "phone": "0987654321"},
                                   note="gọi 0987654321")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "079123456789" not in line and "0987654321" not in line
    assert json.loads(line)["applicant"]["phone"] == "*******321"
