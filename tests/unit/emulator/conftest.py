"""Fixtures of the emulator's tests: ``emulator``, a fresh Losant API emulator
per test (``emulator.url``; default tokens ``losant-emulator-token`` and the
read-only ``losant-emulator-read-only-token``), and ``api``, a client for it.

The test files have names found nowhere else under tests/: without
``__init__.py`` files, pytest imports each test file by its base name.
"""

import pytest

from ansible_collections.losant.platform.tests.emulator.losant_emulator import Emulator
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import Api


@pytest.fixture
def emulator():
    emu = Emulator().start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def api(emulator):
    return Api(emulator.url)
