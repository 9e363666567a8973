import logging

import pytest
import structlog


@pytest.fixture(autouse=True)
def _restore_logging():
    """Tests that configure logging into a captured stream must not leave it behind."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)
