"""tests/live/lane.py, the driver of make test-live: what it refuses before any request,
and the run ids it makes (the targets' setup_live checks them)."""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "live"))

import lane  # noqa: E402  pylint: disable=wrong-import-position

APP = "5f6a7b8c9d0e1f2a3b4c5d6e"


def test_the_lane_refuses_without_a_token_an_application_or_the_typed_confirmation():
    with pytest.raises(lane.LaneError, match="set LOSANT_API_TOKEN and LOSANT_APPLICATION_ID"):
        lane.connection({})
    with pytest.raises(lane.LaneError, match="set LOSANT_APPLICATION_ID"):
        lane.connection({"LOSANT_API_TOKEN": "t"})
    for confirm in (None, "", "yes", APP.upper(), APP + " "):
        environ = {"LOSANT_API_TOKEN": "t", "LOSANT_APPLICATION_ID": APP}
        if confirm is not None:
            environ["LOSANT_LIVE_CONFIRM"] = confirm
        with pytest.raises(lane.LaneError, match="set LOSANT_LIVE_CONFIRM=%s" % APP):
            lane.connection(environ)
    assert lane.connection({"LOSANT_API_TOKEN": "t", "LOSANT_APPLICATION_ID": APP, "LOSANT_LIVE_CONFIRM": APP}) == (
        "https://api.losant.com", "t", APP)
    assert lane.connection({"LOSANT_API_TOKEN": "t", "LOSANT_APPLICATION_ID": APP, "LOSANT_LIVE_CONFIRM": APP,
                            "LOSANT_API_URL": "https://losant.internal/"})[0] == "https://losant.internal"


def test_run_ids_are_unique_and_what_setup_live_accepts():
    made = set(lane.new_run_id(0) for dummy in range(50))
    assert len(made) == 50
    for run_id in made:
        assert re.match(r"^r[0-9a-z]{8,30}$", run_id) and run_id.startswith("r197001010000")


def test_a_recording_that_holds_a_secret_is_named(tmp_path):
    recording = tmp_path / "r.json"
    recording.write_text('{"exchanges": [{"request": {"password": "<password>"}}], "note": "Bearer tok-1"}')
    assert lane.leaked(recording, ["tok-1", "Pw-secret"]) == [0]
    assert lane.leaked(recording, ["tok-2", ""]) == []
