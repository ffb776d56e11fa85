"""The users files of experience_users' src: CSV, YAML and JSON into config
entries, and every problem named by file, line and column."""

import pytest

from ansible_collections.losant.platform.plugins.plugin_utils import _structured_text
from ansible_collections.losant.platform.plugins.plugin_utils._user_files import read_users_file

PASSWORD = "Src-Unit-Passw0rd"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


def test_csv_columns_become_entries(tmp_path):
    path = write(tmp_path, "users.csv", "\ufeffemail,first_name,last_name,experience_groups,user_tags.customer,"
                                        "user_tags.tier\n"
                                        "jane@acme.example,Jane,Doe,Operators; Viewers ,acme,gold\n"
                                        "\n"
                                        "\"raj@acme.example\",\"Raj, Jr.\",,,acme,\n")
    read = read_users_file(path)
    assert read.problems == []
    assert read.entries == [
        {"email": "jane@acme.example", "first_name": "Jane", "last_name": "Doe",
         "experience_groups": ["Operators", "Viewers"], "user_tags": {"customer": "acme", "tier": "gold"}},
        # A column that is there states its field: an empty cell is an empty name, no tag, no group.
        {"email": "raj@acme.example", "first_name": "Raj, Jr.", "last_name": "", "experience_groups": [],
         "user_tags": {"customer": "acme"}},
    ]


def test_csv_optional_columns_take_their_default_when_empty(tmp_path):
    path = write(tmp_path, "users.csv", "email,update_password,password_updated_after,purge_user_tags,"
                                        "purge_experience_groups\n"
                                        "a@acme.example,,,,\n"
                                        "b@acme.example,always,,TRUE,no\n")
    read = read_users_file(path, {"B@acme.example": PASSWORD})
    assert read.problems == []
    assert read.entries == [{"email": "a@acme.example"},
                            {"email": "b@acme.example", "update_password": "always", "purge_user_tags": True,
                             "purge_experience_groups": False, "password": PASSWORD}]


def test_passwords_join_their_users_by_email_and_never_come_from_the_file(tmp_path):
    path = write(tmp_path, "users.csv", "email,password\njane@acme.example,in-clear-text\n")
    read = read_users_file(path)
    assert read.problems == [
        "%s:1:2: column 'password': passwords are never read from the file; give them with the passwords option, "
        "from Ansible Vault, by email" % path]
    assert "in-clear-text" not in " ".join(read.problems)
    path = write(tmp_path, "users.yml", "- email: jane@acme.example\n  password: in-clear-text\n")
    assert read_users_file(path).problems == [
        "%s:2:3: password: passwords are never read from the file; give them with the passwords option, from "
        "Ansible Vault, by email" % path]


def test_passwords_are_checked_and_each_names_a_user_of_the_file(tmp_path):
    path = write(tmp_path, "users.csv", "email,password_updated_after\na@acme.example,2026-01-01T00:00:00Z\n"
                                        "b@acme.example,\n")
    read = read_users_file(path, {"b@acme.example": "short", "c@acme.example": PASSWORD})
    assert read.problems == [
        "%s:2:1: password_updated_after needs a password: give it in passwords, by email" % path,
        "passwords['b@acme.example']: password must be 8 to 2048 characters long, got 5 characters",
        "passwords: 'c@acme.example' is not the email of any user of %s" % path,
    ]
    assert PASSWORD not in " ".join(read.problems)


@pytest.mark.parametrize("text, problem", [
    ("", "1:1: is empty: a CSV file starts with a header row naming its columns (email, ...)"),
    ("first_name\nJane\n", "1:1: no email column: every row needs the user's email"),
    ("email,nickname\n", "1:2: unknown column 'nickname'; the columns are email, first_name, last_name, "
                         "experience_groups, update_password, password_updated_after, purge_user_tags, "
                         "purge_experience_groups and user_tags.<key>"),
    ("email,email\n", "1:2: column 'email' appears twice (also column 1)"),
    ("email,user_tags.bad key\n", "1:2: column 'user_tags.bad key': user_tags key 'bad key' must match "
                                  "^[0-9a-zA-Z_-]{1,255}$ (letters, digits, _ and -)"),
    ("email,first_name\na@acme.example\n", "2:1: this row has 1 fields, the header has 2"),
    ("email,first_name\na@acme.example,A\n,B\n", "3:1: email is required: every user needs one"),
    ("email,last_name\na@acme.example,A\nnot-an-email,B\n",
     "3:1: email must be an email address such as name@example.com of at most 1024 characters, got 'not-an-email'"),
    ("email,last_name\na@acme.example,A\nA@acme.example,B\n", "3:1: the same email as line 2; list each user once"),
    ("email,last_name\n\n\na@acme.example,%s\n" % ("x" * 1025), "4:2: last_name must be at most 1024 characters "
                                                                "long, got '%s'" % ("x" * 80)),
    ("last_name,email,user_tags.team\nA,a@acme.example,%s\n" % ("t" * 256),
     "2:3: user_tags value of 'team' must be 1 to 255 characters long, got 256"),
    ("email,purge_user_tags\na@acme.example,maybe\n", "2:2: purge_user_tags must be true or false, got 'maybe'"),
    ("email,update_password\na@acme.example,never\n", "2:2: update_password must be on_create or always, got 'never'"),
    ("email,password_updated_after,first_name\na@acme.example,last week,A\n",
     "2:2: password_updated_after must be an ISO 8601 date-time such as 2026-01-31T00:00:00Z, got 'last week'"),
    # the quote that is never closed opens on line 2
    ("email,first_name\n\"a@acme.example,A\n", "2:1: is not valid CSV: unexpected end of data"),
])
def test_csv_problems_name_line_and_field(tmp_path, text, problem):
    path = write(tmp_path, "users.csv", text)
    expected = ["%s:%s" % (path, problem)]
    if "password_updated_after," in text:  # and the password it needs is missing, named at the email: first
        expected.insert(0, "%s:2:1: password_updated_after needs a password: give it in passwords, by email" % path)
    assert read_users_file(path).problems == expected


def test_every_problem_of_a_file_is_listed_not_only_the_first(tmp_path):
    rows = "".join("bad%d,%s\n" % (number, "x" * 1025 if number == 2 else "ok") for number in range(3))
    path = write(tmp_path, "users.csv", "email,first_name\n" + rows)
    problems = read_users_file(path).problems
    assert [problem.split(": ", 1)[0] for problem in problems] == [
        path + ":2:1", path + ":3:1", path + ":4:1", path + ":4:2"]


YAML = """\
- email: jane@acme.example
  first_name: Jane
  user_tags: {customer: acme}
  experience_groups: [Operators]
  purge_experience_groups: true
- email: raj@acme.example
  last_name: null
"""


def test_yaml_and_json_entries_take_the_config_suboptions(tmp_path):
    expected = [{"email": "jane@acme.example", "first_name": "Jane", "user_tags": {"customer": "acme"},
                 "experience_groups": ["Operators"], "purge_experience_groups": True},
                {"email": "raj@acme.example"}]
    read = read_users_file(write(tmp_path, "users.yaml", YAML))
    assert read.problems == [] and read.entries == expected
    read = read_users_file(write(tmp_path, "users.JSON", '[{"email": "jane@acme.example", "first_name": "Jane", '
                                                         '"user_tags": {"customer": "acme"}, "experience_groups": '
                                                         '["Operators"], "purge_experience_groups": '
                                                         'true},\n {"email": "raj@acme.example"}]'))
    assert read.problems == [] and read.entries == expected


@pytest.mark.parametrize("name, text, problem", [
    ("u.yml", "email: a@acme.example\n",
     "1:1: must hold a list of users (entries like those of config), got a mapping"),
    ("u.yml", "- a@acme.example\n", "1:3: each user must be a mapping of options, got str (a@acme.example)"),
    ("u.yml", "- email: a@acme.example\n  nick: A\n",
     "2:3: unknown option 'nick'; an entry takes email, first_name, last_name, experience_groups, user_tags, "
     "update_password, password_updated_after, purge_user_tags, purge_experience_groups"),
    # YAML 1.1 reads 00042 as an octal number: quoting keeps the zeros
    ("u.yml", "- email: a@acme.example\n- email: b@acme.example\n  last_name: 00042\n",
     "3:3: last_name must be text, got a number (34); quote it"),
    ("u.yml", "- email: a@acme.example\n  user_tags:\n    team: red\n    bad key: x\n",
     "4:5: user_tags key 'bad key' must match ^[0-9a-zA-Z_-]{1,255}$ (letters, digits, _ and -)"),
    ("u.yml", "- email: a@acme.example\n  experience_groups: Operators\n",
     "2:3: experience_groups must be a list of group names or ids, got str (Operators)"),
    ("u.yml", "- email: a@acme.example\n  purge_user_tags: maybe\n",
     "2:3: purge_user_tags must be true or false, got str (maybe)"),
    ("u.yml", "- email: a@acme.example\n  first_name: [unclosed\n", "3:1: is not valid YAML: "),
    ("u.json", '[{"email": "a@acme.example"},\n {"email": "b@acme.example",\n  "first_name": 7}]',
     "3:3: first_name must be text, got a number (7); quote it"),
    ("u.json", '[{"email": "a@acme.example"}\n {"email": "b"}]', "2:2: is not valid JSON: Expecting ',' delimiter"),
    ("u.json", '[{"email": "a@acme.example"}, {"email": "A@acme.example"}]',
     "1:32: the same email as line 1; list each user once"),
    ("u.txt", "email\n", "1:1: src must end in .csv, .yml, .yaml or .json, which says how to read it"),
])
def test_yaml_and_json_problems_name_line_and_column(tmp_path, name, text, problem):
    path = write(tmp_path, name, text)
    problems = read_users_file(path).problems
    assert len(problems) == 1 and problems[0].startswith("%s:%s" % (path, problem)), problems


def test_a_file_that_is_not_utf8_or_not_there_is_named(tmp_path):
    path = write(tmp_path, "users.csv", b"email,first_name\na@acme.example,J\xe9r\xf4me\n")
    assert read_users_file(path).problems == ["%s:2:17: is not UTF-8 text" % path]
    missing = str(tmp_path / "gone.csv")
    assert read_users_file(missing).problems[0].startswith("%s:1:1: cannot be read: " % missing)


def test_many_users_read_in_file_order(tmp_path):
    rows = "".join("user%05d@acme.example,User,%05d,Operators,acme\n" % (number, number) for number in range(5000))
    path = write(tmp_path, "users.csv", "email,first_name,last_name,experience_groups,user_tags.customer\n" + rows)
    read = read_users_file(path)
    assert read.problems == [] and len(read.entries) == 5000
    assert read.entries[4999] == {"email": "user04999@acme.example", "first_name": "User", "last_name": "04999",
                                  "experience_groups": ["Operators"], "user_tags": {"customer": "acme"}}


def test_every_problem_of_a_csv_file_is_listed_in_one_pass_header_and_rows(tmp_path):
    # A bad column is named once, in the header, and left out of every row; the rows are still checked.
    path = write(tmp_path, "users.csv", "email,nick,email,user_tags.bad key,purge_user_tags,user_tags.team\n"
                                        "bad,1,x@acme.example,3,maybe,red\n"
                                        "ok@acme.example,1,2,3,yes,%s\n"
                                        ",1,2,3,no,\n" % ("t" * 256))
    read = read_users_file(path)
    assert read.problems == [path + problem for problem in [
        ":1:2: unknown column 'nick'; the columns are email, first_name, last_name, experience_groups, "
        "update_password, password_updated_after, purge_user_tags, purge_experience_groups and user_tags.<key>",
        ":1:3: column 'email' appears twice (also column 1)",
        ":1:4: column 'user_tags.bad key': user_tags key 'bad key' must match ^[0-9a-zA-Z_-]{1,255}$ (letters, "
        "digits, _ and -)",
        ":2:1: email must be an email address such as name@example.com of at most 1024 characters, got 'bad'",
        ":2:5: purge_user_tags must be true or false, got 'maybe'",
        ":3:6: user_tags value of 'team' must be 1 to 255 characters long, got 256",
        ":4:1: email is required: every user needs one",
    ]]
    # the first email column is the one read
    assert read.entries[0] == {"email": "bad", "user_tags": {"team": "red"}}


YAML_PROBLEMS = """\
- email: jane@acme.example
  first_name: Jane
  email: jane.doe@acme.example
  user_tags: {customer: acme, customer: globex, team: 7}
- {email: raj@acme.example, nick: Raj, last_name: 2024-13-45}
- email: ana@acme.example
  purge_user_tags: maybe
  experience_groups: Operators
- email: not-an-email
  last_name: 00042
"""


def test_every_problem_of_a_yaml_file_is_listed_in_one_pass(tmp_path):
    path = write(tmp_path, "users.yml", YAML_PROBLEMS)
    read = read_users_file(path)
    assert read.problems == [path + problem for problem in [
        ":3:3: key 'email' appears twice (also line 1)",
        ":4:31: key 'customer' appears twice (also column 15)",
        ":4:49: user_tags value of 'team' must be a string, got int",
        ":5:29: unknown option 'nick'; an entry takes email, first_name, last_name, experience_groups, user_tags, "
        "update_password, password_updated_after, purge_user_tags, purge_experience_groups",
        ":5:51: '2024-13-45' reads as a date but is not one (month must be in 1..12); quote it",
        ":7:3: purge_user_tags must be true or false, got str (maybe)",
        ":8:3: experience_groups must be a list of group names or ids, got str (Operators)",
        ":9:3: email must be an email address such as name@example.com of at most 1024 characters, got "
        "'not-an-email'",
        ":10:3: last_name must be text, got a number (34); quote it",
    ]]
    # a key given twice is read as YAML reads it, the last one; the lines are where each entry starts
    assert read.entries[0] == {"email": "jane.doe@acme.example", "first_name": "Jane",
                               "user_tags": {"customer": "globex", "team": 7}}
    assert read.lines == [1, 5, 6, 9]


JSON_PROBLEMS = """\
[{"email": "jane@acme.example", "first_name": "Jane", "email": "jane.doe@acme.example"},
 {"email": "raj@acme.example",
  "user_tags": {"team": "red", "team": "blue"}, "last_name": %s},

 {"email": "ana@acme.example", "nick": "Ana", "first_name": 7}, "ben@acme.example"]
""" % ("4" * 4301)


def test_every_problem_of_a_json_file_is_listed_in_one_pass(tmp_path):
    path = write(tmp_path, "users.json", JSON_PROBLEMS)
    read = read_users_file(path)
    assert read.problems == [path + problem for problem in [
        ":1:55: key 'email' appears twice (also column 3)",
        ":3:32: key 'team' appears twice (also column 17)",
        # the number, read as if quoted, is also too long for a name
        ":3:49: last_name must be at most 1024 characters long, got '%s'" % ("4" * 80),
        ":3:62: a number of 4301 digits is too long to read; quote it",
        ":5:32: unknown option 'nick'; an entry takes email, first_name, last_name, experience_groups, user_tags, "
        "update_password, password_updated_after, purge_user_tags, purge_experience_groups",
        ":5:47: first_name must be text, got a number (7); quote it",
        ":5:65: each user must be a mapping of options, got str (ben@acme.example)",
    ]]
    assert read.entries[0] == {"email": "jane.doe@acme.example", "first_name": "Jane"}
    assert read.lines == [1, 2, 5, 5]


@pytest.mark.parametrize("name, text, problem", [
    # PyYAML reads 2024-13-45 as a date, and date() raises ValueError: named, not raised
    ("u.yml", "- email: a@acme.example\n  last_name: 2024-13-45\n",
     "2:14: '2024-13-45' reads as a date but is not one (month must be in 1..12); quote it"),
    ("u.yml", "- email: a@acme.example\n  last_name: 2024-01-01 10:00:00 +25:00\n",
     "2:14: '2024-01-01 10:00:00 +25:00' reads as a date but is not one (offset must be a timedelta"),
    # PyYAML's !!bool raises KeyError for a value that is no boolean: named, not raised
    ("u.yml", "- email: a@acme.example\n  first_name: !!bool maybe\n",
     "2:15: 'maybe' is tagged !!bool but is not true or false; quote it"),
    # a tag that would construct an object is refused by the safe loader
    ("u.yml", "- !!python/object/apply:os.system ['true']\n",
     "1:3: is not valid YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("u.yml", "- email: a@acme.example\n  first_name: !!binary 'not base64!'\n", "2:15: is not valid YAML: failed to "),
    ("u.yml", "- email: a@acme.example\n  first_name: J\x07\n", "2:16: is not valid YAML: "),
    ("u.json", '[{"email": "a@acme.example"}] []', "1:31: is not valid JSON: Extra data"),
    ("u.yml", "", "1:1: must hold a list of users (entries like those of config), got nothing"),
])
def test_what_a_hostile_file_raises_is_a_problem_with_its_line(tmp_path, name, text, problem):
    path = write(tmp_path, name, text)
    problems = read_users_file(path).problems
    assert len(problems) == 1 and problems[0].startswith("%s:%s" % (path, problem)), problems


@pytest.mark.parametrize("name, text, key, number, characters", [
    ("u.yml", "- email: a@acme.example\n  user_tags:\n    id: %s\n" % ("9" * 4301), 5, 9, 4301),
    ("u.json", '[{"email": "a@acme.example",\n  "user_tags":\n    {"id": -%s}}]' % ("9" * 4301), 6, 12, 4302),
])
def test_a_number_too_long_for_int_is_a_problem_with_its_line(tmp_path, name, text, key, number, characters):
    # int() reads at most 4300 digits (sys.get_int_max_str_digits) and raises ValueError past them;
    # the number is then read as if quoted, and as a tag value it is too long too.
    path = write(tmp_path, name, text)
    assert read_users_file(path).problems == [
        "%s:3:%d: user_tags value of 'id' must be 1 to 255 characters long, got %d" % (path, key, characters),
        "%s:3:%d: a number of 4301 digits is too long to read; quote it" % (path, number)]


def test_a_key_of_a_merge_is_not_a_key_given_twice(tmp_path):
    path = write(tmp_path, "users.yml", "- &jane {email: jane@acme.example, first_name: Jane}\n"
                                        "- <<: *jane\n  email: raj@acme.example\n  first_name: Raj\n")
    read = read_users_file(path)
    assert read.problems == []
    assert read.entries == [{"email": "jane@acme.example", "first_name": "Jane"},
                            {"email": "raj@acme.example", "first_name": "Raj"}]


def test_keys_that_yaml_reads_as_one_are_given_twice(tmp_path):
    path = write(tmp_path, "users.yml", "- email: a@acme.example\n  user_tags:\n    1: x\n    01: y\n")
    assert read_users_file(path).problems == ["%s:4:5: key 1 appears twice (also line 3)" % path]


def test_json_nested_too_deeply_to_parse_is_named_where_it_is_1001_levels_deep(tmp_path):
    # json.loads raises RecursionError; libyaml stops at 1000 levels, and so does the pure Python scan
    path = write(tmp_path, "users.json", '[{"email": "a@acme.example"},\n ' + "[" * 100000 + "]" * 100000 + "]")
    assert read_users_file(path).problems == [
        "%s:2:1001: nests lists and mappings too deeply to be read; a users file is a list of mappings of options"
        % path]


def test_yaml_nested_too_deeply_for_the_loader_is_named_where_it_nests_deepest(tmp_path, monkeypatch):
    # PyYAML without libyaml recurses once per level and raises RecursionError: the token scan says where.
    def recursing(loader):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(_structured_text._Loader, "get_single_node", recursing)
    path = write(tmp_path, "users.yml", "- email: a@acme.example\n  user_tags: {a: [[[x]]], b: [y]}\n")
    assert read_users_file(path).problems == [
        "%s:2:20: nests lists and mappings too deeply to be read; a users file is a list of mappings of options"
        % path]


def test_any_other_error_of_the_parser_is_a_problem_not_an_exception(tmp_path, monkeypatch):
    def failing(*args, **kwargs):
        raise TypeError("something new")
    monkeypatch.setattr(_structured_text.json, "loads", failing)
    path = write(tmp_path, "users.json", "[]")
    assert read_users_file(path).problems == ["%s:1:1: is not valid JSON: something new" % path]


def test_json_duplicates_are_named_even_where_yaml_cannot_find_their_line(tmp_path):
    key = "k" * 1100  # YAML takes no implicit key of over 1024 characters: no positions
    path = write(tmp_path, "users.json", '[{"email": "a@acme.example", "%s": 1, "%s": 2}]' % (key, key))
    assert read_users_file(path).problems == [
        "%s:1:1: key '%s' appears twice" % (path, "k" * 80),
        "%s:1:1: unknown option '%s'; an entry takes email, first_name, last_name, experience_groups, user_tags, "
        "update_password, password_updated_after, purge_user_tags, purge_experience_groups" % (path, "k" * 80)]


def test_a_utf16_file_is_named_as_such(tmp_path):
    path = write(tmp_path, "users.csv", "email\na@acme.example\n".encode("utf-16"))
    assert read_users_file(path).problems == ["%s:1:1: is not UTF-8 text; it is UTF-16: save it as UTF-8" % path]


def test_each_entry_keeps_the_line_it_starts_on(tmp_path):
    read = read_users_file(write(tmp_path, "users.csv", 'email,first_name\n\na@acme.example,"A\nB"\n'
                                                        'b@acme.example,B\n'))
    assert read.problems == [] and read.lines == [3, 5]
    assert read.label(1) == "%s line 5" % (tmp_path / "users.csv")
    read = read_users_file(write(tmp_path, "users.yml", "---\n- email: a@acme.example\n\n-\n  email: b@acme.example\n"))
    assert read.problems == [] and read.lines == [2, 5]
    read = read_users_file(write(tmp_path, "users.json", '\n[ {"email": "a@acme.example"}, {"email":\n'
                                                         '"b@acme.example"},\n\n\t{"email": "c@acme.example"}]'),
                           name="users.json")
    assert read.problems == [] and read.lines == [2, 2, 5]
    assert read.label(2) == "users.json line 5"
    # the entries are what the module takes, nothing more
    assert read.entries == [{"email": "a@acme.example"}, {"email": "b@acme.example"}, {"email": "c@acme.example"}]


def test_a_json_file_without_problems_is_read_without_the_slow_pass_for_positions(tmp_path, monkeypatch):
    def composing(*args, **kwargs):
        raise AssertionError("yaml.compose")
    monkeypatch.setattr(_structured_text.yaml, "compose", composing)
    rows = ",\n".join('{"email": "user%d@acme.example", "first_name": "U", "user_tags": {"n": "%d"}}' % (number, number)
                      for number in range(100))
    read = read_users_file(write(tmp_path, "users.json", "[%s]" % rows))
    assert read.problems == [] and len(read.entries) == 100 and read.lines[99] == 100


def test_a_password_that_is_not_text_is_refused_and_no_password_is_ever_shown(tmp_path):
    secrets = ["Secret-In-A-List", "Secret-In-A-Dict", "Secret-Too-Long" * 200, "Secret-For-Nobody",
               "Secret-In-The-File"]
    path = write(tmp_path, "users.yml", "- email: a@acme.example\n- email: b@acme.example\n"
                                        "- email: c@acme.example\n- email: d@acme.example\n"
                                        "- email: e@acme.example\n  password: %s\n" % secrets[4])
    read = read_users_file(path, {"a@acme.example": 12345678, "b@acme.example": [secrets[0]],
                                  "C@acme.example": {"value": secrets[1]}, "d@acme.example": secrets[2],
                                  "nobody@acme.example": secrets[3], 7: secrets[3]})
    assert read.problems == [
        "%s:6:3: password: passwords are never read from the file; give them with the passwords option, from "
        "Ansible Vault, by email" % path,
        "passwords['a@acme.example'] must be text, got int",
        "passwords['b@acme.example'] must be text, got list",
        "passwords['C@acme.example'] must be text, got dict",
        "passwords['d@acme.example']: password must be 8 to 2048 characters long, got 3000 characters",
        "passwords: 7 is not the email of any user of %s" % path,
        "passwords: 'nobody@acme.example' is not the email of any user of %s" % path,
    ]
    shown = " ".join(read.problems)
    assert "12345678" not in shown and not any(secret[:12] in shown for secret in secrets)
