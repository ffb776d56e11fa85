"""The reliability suite prints its table of cases and outcomes at the end of
the run and writes it, with the secret audit's figures, as Markdown to
$RELIABILITY_REPORT (default .build/reliability-report.md)."""

import os
import time

from reliability_support import AUDIT, OUTCOMES, REPO

_STARTED = time.monotonic()


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
