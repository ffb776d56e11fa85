"""Fixtures of the AWX suite: an emulator seeded as `make demo` seeds it, and the
figures the suite prints at its end (runs, changed counts, the secret audit)."""

import json

import pytest

from awx_support import AUDIT, EXAMPLES, TOKEN
from losant_emulator import Emulator


class Figures(list):
    """(run, changed in the first job, changed in the second); ``audits``: (run, ident, files, bytes, hits)."""

    def __init__(self):
        super().__init__()
        self.audits = []


FIGURES = Figures()


@pytest.fixture
def emulator_for_examples():
    emulator = Emulator(tokens={TOKEN: ["all.Application"]}).start()
    emulator.seed(json.loads((EXAMPLES / "emulator_seed.json").read_text()))
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def awx_figures():
    return FIGURES


def pytest_terminal_summary(terminalreporter):
    write = terminalreporter.write_line
    for name, first, second in FIGURES:
        write("awx: %s: changed=%d, then changed=%d" % (name, first, second))
    if FIGURES.audits:
        write("awx: secret audit: %d secrets searched for in %d files (%d bytes) of %d runner jobs: %d hits" % (
            len(AUDIT.secrets), sum(row[2] for row in FIGURES.audits), sum(row[3] for row in FIGURES.audits),
            len(FIGURES.audits), sum(row[4] for row in FIGURES.audits)))
