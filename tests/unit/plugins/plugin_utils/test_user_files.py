"""The users files of experience_users' src: CSV, YAML and JSON into config
entries, and every problem named by file, line and column."""

import pytest

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
    read = read_users_file(path)
    assert read.problems[:1] == ["%s:%s" % (path, problem)]
    if "password_updated_after," in text:  # and the password it needs is missing
        assert read.problems[1:] == ["%s:2:1: password_updated_after needs a password: give it in passwords, by email"
                                     % path]
    else:
        assert len(read.problems) == 1


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
                                                         '["Operators"], "purge_experience_groups": true},\n'
                                                         ' {"email": "raj@acme.example"}]'))
    assert read.problems == [] and read.entries == expected


@pytest.mark.parametrize("name, text, problem", [
    ("u.yml", "email: a@acme.example\n", "1:1: must hold a list of users (entries like those of config), got a mapping"),
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
