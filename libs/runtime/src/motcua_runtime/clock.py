from datetime import UTC, date, datetime, time, timedelta, tzinfo

#: Days outside these hold no record: a period asked beyond them is clamped, so that
#: 0001-01-01 or 9999-12-31 ("everything") does not overflow the time arithmetic.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 1, 1)


def utc_now() -> datetime:
    """Now, to the millisecond: MongoDB stores milliseconds, so the stored record, the
    event and the HTTP answer all show the same instant."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def local_day_bounds(first: date | None, last: date | None, tz: tzinfo) -> tuple[datetime | None, datetime | None]:
    """[start of ``first``, start of the day after ``last``) in local time ``tz``; ``None`` for an
    open end. Days are clamped to EARLIEST_DAY..LATEST_DAY."""
    lower = datetime.combine(max(first, EARLIEST_DAY), time(0), tzinfo=tz) if first else None
    upper = datetime.combine(min(last, LATEST_DAY) + timedelta(days=1), time(0), tzinfo=tz) if last else None
    return lower, upper
