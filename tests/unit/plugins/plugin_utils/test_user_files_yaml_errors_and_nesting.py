"""The users file of src (_user_files.py): an error of the YAML parser that is no YAMLError names
YAML for both suffixes, and a file nested too deeply for the loader is named where it nests
deepest, however deep that is below the scanner's own limit."""

import pytest

from ansible_collections.losant.platform.plugins.plugin_utils import _structured_text
from ansible_collections.losant.platform.plugins.plugin_utils._user_files import read_users_file

TOO_DEEP = "nests lists and mappings too deeply to be read; a users file is a list of mappings of options"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


@pytest.mark.parametrize("name", ["users.yaml", "users.yml", "USERS.YAML"])
def test_any_other_error_of_the_yaml_parser_names_yaml(tmp_path, monkeypatch, name):
    def failing(loader):
        raise ValueError("something new")
    monkeypatch.setattr(_structured_text._Loader, "get_single_node", failing)
    path = write(tmp_path, name, "- email: a@acme.example\n")
    assert read_users_file(path).problems == ["%s:1:1: is not valid YAML: something new" % path]


def test_a_file_too_deep_for_the_loader_is_named_at_its_deepest_level(tmp_path, monkeypatch):
    def recursing(loader):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(_structured_text._Loader, "get_single_node", recursing)
    # 3 levels (the list, the entry, user_tags) and 600 lists: the deepest opens at column 17 + 600.
    path = write(tmp_path, "users.yml", "- email: a@acme.example\n  user_tags: {a: " + "[" * 600 + "x" + "]" * 600
                 + "}\n")
    assert read_users_file(path).problems == ["%s:2:617: %s" % (path, TOO_DEEP)]
