"""Shared pytest setup for the suites that import test code by its top-level
name (tests/integration, tests/reliability): tests/ and tests/emulator/ go on
sys.path, so ``conformance_support``, ``losant_emulator`` (the emulator
package) and ``integration.test_targets`` import as such.

The emulator's own tests (tests/unit/emulator) import everything as
``ansible_collections.losant.platform.tests...`` and have their own fixtures.
"""

import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
for _path in (TESTS_DIR, TESTS_DIR / "emulator"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
