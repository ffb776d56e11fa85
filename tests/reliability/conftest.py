"""The reliability suite prints its table of cases and outcomes at the end of
the run and writes it, with the secret audit's figures, as Markdown to
$RELIABILITY_REPORT (default .build/reliability-report.md).

``emulator`` is a fresh Losant API emulator per test."""

import os
import sys
import time
from pathlib import Path

import pytest

from reliability_support import AUDIT, OUTCOMES, REPO

# The emulator package, imported as ``losant_emulator`` here and in the test files.
_EMULATOR_DIR = str(Path(__file__).resolve().parents[1] / "emulator")
if _EMULATOR_DIR not in sys.path:
    sys.path.insert(0, _EMULATOR_DIR)

from losant_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

_STARTED = time.monotonic()


@pytest.fixture
def emulator():
    """A fresh Losant API emulator per test (``emulator.url``; default tokens
    ``losant-emulator-token`` and the read-only ``losant-emulator-read-only-token``)."""
    emu = Emulator().start()
    try:
        yield emu
    finally:
        emu.stop()


def _report():
    searched = sum(size for dummy, dummy2, size in AUDIT.sources)
    runs = len(set(name for name, dummy, dummy2 in AUDIT.sources))
    problems = sum(1 for row in OUTCOMES.rows if str(row["observed"]).startswith("PROBLEM"))
    lines = [
        "Cases: %d; problems: %d" % (len(OUTCOMES.rows), problems),
        "Secret audit: %d secrets searched for in %d outputs of %d runs (%.1f MB); leaks found: %d" % (
            len(AUDIT.secrets), len(AUDIT.sources), runs, searched / 1e6, len(AUDIT.hits)),
        "Wall time: %.0f s" % (time.monotonic() - _STARTED),
    ]
    return lines


def pytest_terminal_summary(terminalreporter):
    if not OUTCOMES.rows and not AUDIT.sources:
        return
    terminalreporter.section("reliability: cases and outcomes")
    terminalreporter.write_line(OUTCOMES.markdown())
    terminalreporter.write_line("")
    for line in _report():
        terminalreporter.write_line(line)
    for hit in AUDIT.hits:
        terminalreporter.write_line("LEAK: %s" % (hit,))
    path = os.environ.get("RELIABILITY_REPORT") or str(REPO / ".build" / "reliability-report.md")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as report:
            report.write(OUTCOMES.markdown() + "\n\n" + "\n".join("- " + line for line in _report()) + "\n")
        terminalreporter.write_line("report written to %s" % path)
    except OSError as exc:
        terminalreporter.write_line("report not written: %s" % exc)
