# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""The users file of experience_users' ``src``, read on the controller: CSV,
YAML or JSON into ``config`` entries, every problem named by file, line and
column. No password is ever read from the file; they come from the
``passwords`` option."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import codecs
import csv
import io
import os

import yaml

from ansible_collections.losant.platform.plugins.module_utils._validation import check_tags
from ansible_collections.losant.platform.plugins.module_utils._users import user_option_errors
from ansible_collections.losant.platform.plugins.plugin_utils._structured_text import (
    Positions, deepest, json_item_lines, load_json, load_yaml, shown, yaml_error)

FORMATS = {".csv": "csv", ".yml": "yaml", ".yaml": "yaml", ".json": "json"}
TEXT_FIELDS = ("email", "first_name", "last_name", "password_updated_after")
BOOL_FIELDS = ("purge_user_tags", "purge_experience_groups")
ENTRY_FIELDS = ("email", "first_name", "last_name", "experience_groups", "user_tags", "update_password",
                "password_updated_after", "purge_user_tags", "purge_experience_groups")
CSV_COLUMNS = ENTRY_FIELDS  # user_tags as user_tags.<key>; experience_groups separated by ";"
TAG_PREFIX = "user_tags."
GROUP_SEPARATOR = ";"
UPDATE_PASSWORD = ("on_create", "always")
TRUE = ("true", "yes", "1")
FALSE = ("false", "no", "0")
NO_PASSWORD = ("passwords are never read from the file; give them with the passwords option, from Ansible "
               "Vault, by email")


class UsersFile:
    """What reading one file gave: ``entries`` (config entries, in file order), ``lines`` (the
    line where each entry starts) and ``problems`` ("file:line:column: message", the file as
    ``name`` gives it; the column of a CSV file is the number of the field, counted from 1), in
    file order, those of the passwords option last."""

    def __init__(self, name):
        self.path = name
        self.entries = []
        self.lines = []
        self.problems = []
        self._where = []     # per entry: a function (field, tag key) -> (line, column)
        self._reported = []  # per entry: the fields whose problem is listed already
        self._order = []     # per problem: its (line, column), to list them in file order

    def problem(self, position, message):
        line, column = position
        self.problems.append("%s:%d:%d: %s" % (self.path, line, column, message))
        self._order.append((line, column))

    def note(self, message):
        """A problem of the passwords option, which has no line."""
        self.problems.append(message)
        self._order.append((float("inf"), 0))

    def where(self, index, field=None, key=None):
        return self._where[index](field, key)

    def reported(self, index, field):
        """Whether a problem of the entry's ``field`` is listed already."""
        return field in self._reported[index]

    def label(self, index):
        """The entry as a person finds it: "users.csv line 5"."""
        return "%s line %d" % (self.path, self.lines[index])

    def add(self, entry, line, where, reported=()):
        self.entries.append(entry)
        self.lines.append(line)
        self._where.append(where)
        self._reported.append(set(reported))

    def in_file_order(self):
        """The problems by line and column; those of no line (the passwords option's) last."""
        order = sorted(range(len(self.problems)), key=self._order.__getitem__)  # stable: one place keeps its order
        self.problems = [self.problems[index] for index in order]
        self._order = [self._order[index] for index in order]


def read_users_file(path, passwords=None, name=None):
    """The UsersFile of ``path`` (called ``name`` in problems, by default ``path``); ``passwords``
    (email -> password, any letter case) are added to its entries."""
    found = UsersFile(name or path)
    kind = FORMATS.get(os.path.splitext(path)[1].lower())
    if kind is None:
        found.problem((1, 1), "src must end in .csv, .yml, .yaml or .json, which says how to read it")
        return found
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        found.problem((1, 1), "cannot be read: %s" % exc)
        return found
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))  # as spreadsheets save "Unicode text"
        found.problem((line, exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1),
                      "is not UTF-8 text" + ("; it is UTF-16: save it as UTF-8" if utf16 else ""))
        return found
    complete = _read_csv(found, text) if kind == "csv" else _read_structured(found, text, kind)
    _check_entries(found, passwords or {}, complete)
    found.in_file_order()
    return found


# -- CSV ---------------------------------------------------------------------------

def _read_csv(found, text):
    """Read the rows into ``found``; whether every row could be read."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header, header_line = next(reader, None), reader.line_num
        if header is None:
            found.problem((1, 1), "is empty: a CSV file starts with a header row naming its columns (email, ...)")
            return False
        columns = _csv_columns(found, header, header_line)
        if columns is None:
            return False
        while True:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                return True
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            if len(row) != len(header):
                found.problem((start, 1), "this row has %d fields, the header has %d" % (len(row), len(header)))
                continue
            _csv_entry(found, columns, row, start)
    except csv.Error as exc:
        found.problem((reader.line_num or 1, 1), "is not valid CSV: %s" % exc)
        return False


def _csv_columns(found, header, line):
    """[(field, tag key or None), or None for a column to skip] of the header row; None without an
    email column, as no row can then be told apart. The rows are read even after a problem here,
    so that theirs are listed too."""
    columns = []
    seen = {}
    for number, name in enumerate(header, 1):
        name = name.strip()
        column = None
        if name.startswith(TAG_PREFIX):
            problems = check_tags("user_tags", {name[len(TAG_PREFIX):]: None})
            for problem in problems:
                found.problem((line, number), "column %r: %s" % (name, problem))
            column = None if problems else ("user_tags", name[len(TAG_PREFIX):])
        elif name == "password":
            found.problem((line, number), "column 'password': " + NO_PASSWORD)
        elif name in CSV_COLUMNS and name != "user_tags":
            column = (name, None)
        else:
            found.problem((line, number), "unknown column %r; the columns are %s and user_tags.<key>" % (
                name[:80], ", ".join(field for field in CSV_COLUMNS if field != "user_tags")))
        if column is not None and column in seen:
            found.problem((line, number), "column %r appears twice (also column %d)" % (name, seen[column]))
            column = None
        if column is not None:
            seen[column] = number
        columns.append(column)
    if ("email", None) not in seen:
        found.problem((line, 1), "no email column: every row needs the user's email")
        return None
    return columns


def _csv_entry(found, columns, row, line):
    entry = {}
    numbers = {}
    reported = set()
    for number, (column, cell) in enumerate(zip(columns, row), 1):
        if column is None:
            continue  # its problem is in the header
        field, key = column
        numbers[column] = number
        if field == "user_tags":
            tags = entry.setdefault("user_tags", {})
            if cell != "":
                tags[key] = cell
        elif field == "experience_groups":
            entry[field] = [name.strip() for name in cell.split(GROUP_SEPARATOR) if name.strip()]
        elif field in BOOL_FIELDS or field in ("update_password", "password_updated_after"):
            if cell.strip() == "":
                continue  # left out: the default
            value = _csv_value(found, field, cell.strip(), (line, number))
            if value is None:
                reported.add(field)
            else:
                entry[field] = value
        else:
            entry[field] = cell
    found.add(entry, line, lambda field, key=None: (line, numbers.get((field, key), numbers.get((field, None), 1))),
              reported)


def _csv_value(found, field, cell, position):
    if field in BOOL_FIELDS:
        if cell.lower() in TRUE:
            return True
        if cell.lower() in FALSE:
            return False
        found.problem(position, "%s must be true or false, got %r" % (field, cell[:80]))
        return None
    if field == "update_password" and cell not in UPDATE_PASSWORD:
        found.problem(position, "update_password must be on_create or always, got %r" % cell[:80])
        return None
    return cell


# -- YAML and JSON -----------------------------------------------------------------

def _read_structured(found, text, kind):
    """Read the list of users into ``found``; whether the file held one."""
    positions = Positions(text)
    try:
        data, noted = load_json(text, positions) if kind == "json" else load_yaml(text, positions)
    except yaml.YAMLError as exc:
        position, problem = yaml_error(exc, text)
        found.problem(position, "is not valid YAML: %s" % problem)
        return False
    except RecursionError:
        found.problem(deepest(text), "nests lists and mappings too deeply to be read; a users file is a list "
                                     "of mappings of options")
        return False
    except (ValueError, TypeError) as exc:  # json.JSONDecodeError; or whatever else a hostile file finds
        found.problem((getattr(exc, "lineno", 1), getattr(exc, "colno", 1)),
                      "is not valid %s: %s" % (kind.upper(), getattr(exc, "msg", exc)))
        return False
    for position, message in noted:
        found.problem(position, message)
    if not isinstance(data, list):
        found.problem(positions.of(()), "must hold a list of users (entries like those of config), got %s"
                      % _kind_of(data))
        return False
    lines = json_item_lines(text) if kind == "json" else None
    for index, raw in enumerate(data):
        where = _where_in(positions, index)
        line = positions.of((index,))[0] if lines is None else lines[index]
        if not isinstance(raw, dict):
            found.problem(positions.of((index,)), "each user must be a mapping of options, got %s" % _kind_of(raw))
            found.add({}, line, where, ENTRY_FIELDS)
            continue
        entry, reported = _structured_entry(found, where, raw)
        found.add(entry, line, where, reported)
    return True


def _where_in(positions, index):
    return lambda field, key=None: positions.of((index, field, key))


def _structured_entry(found, where, raw):
    """The entry of ``raw``, and the fields left out of it for a problem."""
    entry = {}
    reported = set()
    for field, value in raw.items():
        if value is None and field in ENTRY_FIELDS:
            continue  # null: left out, as in config
        problem = _value_problem(field, value)
        if problem:
            found.problem(where(field), problem)  # only now: a JSON file's positions cost a pass
            reported.add(field)
        else:
            entry[field] = dict((str(key), tag) for key, tag in value.items()) if field == "user_tags" else value
    return entry, reported


def _value_problem(field, value):
    """What is wrong with ``value`` (not None) as the ``field`` of an entry, or None."""
    if field == "password":
        return "password: " + NO_PASSWORD
    if field not in ENTRY_FIELDS:
        return "unknown option %s; an entry takes %s" % (shown(field), ", ".join(ENTRY_FIELDS))
    if field in TEXT_FIELDS or field == "update_password":
        if not isinstance(value, str):
            return "%s must be text, got %s; quote it" % (field, _kind_of(value))
        if field == "update_password" and value not in UPDATE_PASSWORD:
            return "update_password must be on_create or always, got %r" % value[:80]
        return None
    if field in BOOL_FIELDS:
        return None if isinstance(value, bool) else "%s must be true or false, got %s" % (field, _kind_of(value))
    if field == "user_tags":
        return None if isinstance(value, dict) else \
            "user_tags must be a mapping of tag keys to values, got %s" % _kind_of(value)
    if not isinstance(value, list) or not all(isinstance(group, str) for group in value):
        return "experience_groups must be a list of group names or ids, got %s" % _kind_of(value)
    return None


def _kind_of(value):
    if isinstance(value, bool):
        return "a boolean (%s)" % str(value).lower()
    if isinstance(value, (int, float)):
        return "a number (%s)" % shown(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return "%s (%s)" % (type(value).__name__, str(value)[:80])


def _check_entries(found, passwords, complete):
    """The rules of each entry, and the passwords joined to their users; with every user read
    (``complete``), a password for no user is a problem too."""
    by_email = dict((str(email).lower(), (email, password)) for email, password in passwords.items())
    first_index = {}
    for index, entry in enumerate(found.entries):
        email = entry.get("email")
        if not email:
            if not found.reported(index, "email"):
                found.problem(found.where(index), "email is required: every user needs one")
            continue
        if user_option_errors(entry):  # rarely: then find each problem's field
            _locate_problems(found, index, entry)
        key = email.lower()
        if key in first_index:
            found.problem(found.where(index, "email"), "the same email as line %d; list each user once"
                          % found.where(first_index[key], "email")[0])
        first_index.setdefault(key, index)
        given = by_email.pop(key, None)
        if given is not None and not isinstance(given[1], str):
            # the type only: a password is never shown
            found.note("passwords[%r] must be text, got %s" % (given[0], type(given[1]).__name__))
        elif given is not None:
            for problem in user_option_errors({"password": given[1]}):
                found.note("passwords[%r]: %s" % (given[0], problem))
            entry["password"] = given[1]
        elif entry.get("password_updated_after") is not None or entry.get("update_password") == "always":
            found.problem(found.where(index, "email"), "%s needs a password: give it in passwords, by email" % (
                "password_updated_after" if entry.get("password_updated_after") is not None
                else "update_password=always"))
    if complete:
        for email, dummy in sorted(by_email.values(), key=lambda given: str(given[0]).lower()):
            found.note("passwords: %r is not the email of any user of %s" % (email, found.path))


def _locate_problems(found, index, entry):
    for field in sorted(entry):
        if field == "user_tags":
            for key, value in entry["user_tags"].items():
                for problem in check_tags("user_tags", {key: value}):
                    found.problem(found.where(index, "user_tags", key), problem)
            continue
        single = {field: entry[field]}
        if field == "password_updated_after":
            single["update_password"] = entry.get("update_password")
        for problem in user_option_errors(single):
            found.problem(found.where(index, field), problem)
