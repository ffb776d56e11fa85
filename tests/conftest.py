"""Shared pytest setup: tests/ and tests/emulator/ are importable
(``conformance_support``, ``losant_emulator``), and ``emulator`` is a fresh
Losant API emulator per test (``emulator.url``; default tokens
``losant-emulator-token`` / read-only ``losant-emulator-read-only-token``)."""

import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
for _path in (TESTS_DIR, TESTS_DIR / "emulator"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from losant_emulator import Emulator  # noqa: E402


@pytest.fixture
def emulator():
    emu = Emulator().start()
    try:
        yield emu
    finally:
        emu.stop()
