"""A local run's secret is generated once, owner-only, and kept."""

import stat

from motcua_runtime.key_files import read_or_create


def test_a_secret_is_made_once_and_read_back_after(tmp_path):
    made = []
    path = tmp_path / "nested" / "secret.key"
    first = read_or_create(path, lambda: made.append(1) or b"first")
    again = read_or_create(path, lambda: made.append(1) or b"second")
    assert first == again == b"first" and made == [1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
