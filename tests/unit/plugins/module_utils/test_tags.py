"""The tag rule of every module: merge, purge, null removes a key, and a
left-out option is never touched, even with purge."""

import pytest

from ansible_collections.losant.platform.plugins.module_utils._tags import desired_tags


def test_tags_merge_into_the_current_ones_and_null_removes_a_key():
    current = {"customer": "acme", "role": "op"}
    assert desired_tags(current, {"site": "north", "role": None}, False) == {"customer": "acme", "site": "north"}
    assert current == {"customer": "acme", "role": "op"}, "the current tags are not modified"


def test_purge_keeps_only_the_given_tags_and_null_on_a_missing_key_is_fine():
    assert desired_tags({"customer": "acme"}, {"site": "north", "gone": None}, True) == {"site": "north"}
    assert desired_tags(None, {"a": "b"}, False) == {"a": "b"}


def test_an_empty_dict_with_purge_clears_and_without_purge_changes_nothing():
    assert desired_tags({"customer": "acme"}, {}, True) == {}
    assert desired_tags({"customer": "acme"}, {}, False) == {"customer": "acme"}


@pytest.mark.parametrize("purge", [False, True])
def test_tags_left_out_are_not_touched_even_with_purge(purge):
    assert desired_tags({"customer": "acme"}, None, purge) is None
    assert desired_tags(None, None, purge) is None
