from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, to the millisecond: MongoDB stores milliseconds, so the stored record, the
    event and the HTTP answer all show the same instant."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
