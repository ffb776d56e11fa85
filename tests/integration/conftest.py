"""The tests of one target share its run: with pytest-xdist's --dist loadgroup
(as `make integration` runs them), each target's tests go to one worker."""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "target_run" in callspec.params:
            item.add_marker(pytest.mark.xdist_group(callspec.params["target_run"]))
