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

import csv
import io
import json
import os

import yaml

from ansible_collections.losant.platform.plugins.module_utils._validation import check_tags
from ansible_collections.losant.platform.plugins.module_utils._users import user_option_errors

try:
    SafeLoader = yaml.CSafeLoader
except AttributeError:  # PyYAML without its C extension
    SafeLoader = yaml.SafeLoader

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
    """What reading one file gave: ``entries`` (config entries, in file order) and
    ``problems`` ("file:line:column: message", the file as ``name`` gives it; the
    column of a CSV file is the number of the field, counted from 1)."""

    def __init__(self, name):
        self.path = name
        self.entries = []
        self.problems = []
        self._where = []     # per entry: a function (field, tag key) -> (line, column)

    def problem(self, position, message):
        line, column = position
        self.problems.append("%s:%d:%d: %s" % (self.path, line, column, message))

    def where(self, index, field=None, key=None):
        return self._where[index](field, key)


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
        found.problem((line, exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1), "is not UTF-8 text")
        return found
    if kind == "csv":
        _read_csv(found, text)
    else:
        _read_structured(found, text, kind)
    if not found.problems:
        _check_entries(found, passwords or {})
    return found


# -- CSV ---------------------------------------------------------------------------

def _read_csv(found, text):
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header, header_line = next(reader, None), reader.line_num
        if header is None:
            found.problem((1, 1), "is empty: a CSV file starts with a header row naming its columns (email, ...)")
            return
        columns = _csv_columns(found, header, header_line)
        if columns is None:
            return
        while True:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                return
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            if len(row) != len(header):
                found.problem((start, 1), "this row has %d fields, the header has %d" % (len(row), len(header)))
                continue
            _csv_entry(found, columns, row, start)
    except csv.Error as exc:
        found.problem((reader.line_num or 1, 1), "is not valid CSV: %s" % exc)


def _csv_columns(found, header, line):
    """[(field, tag key or None)] of the header row, or None after a problem."""
    columns = []
    seen = {}
    for number, name in enumerate(header, 1):
        name = name.strip()
        if name.startswith(TAG_PREFIX):
            column = ("user_tags", name[len(TAG_PREFIX):])
            for problem in check_tags("user_tags", {column[1]: None}):
                found.problem((line, number), "column %r: %s" % (name, problem))
        elif name == "password":
            found.problem((line, number), "column 'password': " + NO_PASSWORD)
            column = None
        elif name in CSV_COLUMNS and name != "user_tags":
            column = (name, None)
        else:
            found.problem((line, number), "unknown column %r; the columns are %s and user_tags.<key>" % (
                name, ", ".join(field for field in CSV_COLUMNS if field != "user_tags")))
            column = None
        if column is not None and column in seen:
            found.problem((line, number), "column %r appears twice (also column %d)" % (name, seen[column]))
        seen.setdefault(column, number)
        columns.append(column)
    if ("email", None) not in seen:
        found.problem((line, 1), "no email column: every row needs the user's email")
    return None if found.problems else columns


def _csv_entry(found, columns, row, line):
    entry = {}
    numbers = {}
    for number, (column, cell) in enumerate(zip(columns, row), 1):
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
            if value is not None:
                entry[field] = value
        else:
            entry[field] = cell
    found.entries.append(entry)
    found._where.append(lambda field, key=None: (line, numbers.get((field, key), numbers.get((field, None), 1))))


def _csv_value(found, field, cell, position):
    if field in BOOL_FIELDS:
        if cell.lower() in TRUE:
            return True
        if cell.lower() in FALSE:
            return False
        found.problem(position, "%s must be true or false, got %r" % (field, cell))
        return None
    if field == "update_password" and cell not in UPDATE_PASSWORD:
        found.problem(position, "update_password must be on_create or always, got %r" % cell)
        return None
    return cell


# -- YAML and JSON -----------------------------------------------------------------

def _read_structured(found, text, kind):
    try:
        data = json.loads(text) if kind == "json" else yaml.load(text, Loader=SafeLoader)  # nosec: the safe loader
    except ValueError as exc:  # json.JSONDecodeError
        found.problem((getattr(exc, "lineno", 1), getattr(exc, "colno", 1)), "is not valid JSON: %s" % exc.msg)
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        found.problem(position, "is not valid YAML: %s" % getattr(exc, "problem", exc))
        return
    positions = _Positions(text)
    if not isinstance(data, list):
        found.problem(positions.of(()), "must hold a list of users (entries like those of config), got %s"
                      % _kind_of(data))
        return
    for index, raw in enumerate(data):
        found._where.append(lambda field, key=None, index=index: positions.of((index, field, key)))
        if not isinstance(raw, dict):
            found.problem(positions.of((index,)), "each user must be a mapping of options, got %s" % _kind_of(raw))
            found.entries.append({})
            continue
        found.entries.append(_structured_entry(found, index, raw))


def _structured_entry(found, index, raw):
    entry = {}
    for field, value in raw.items():
        where = found.where(index, field)
        if field == "password":
            found.problem(where, "password: " + NO_PASSWORD)
        elif field not in ENTRY_FIELDS:
            found.problem(where, "unknown option %r; an entry takes %s" % (field, ", ".join(ENTRY_FIELDS)))
        elif value is None:
            continue  # null: left out, as in config
        elif field in TEXT_FIELDS or field == "update_password":
            if not isinstance(value, str):
                found.problem(where, "%s must be text, got %s; quote it" % (field, _kind_of(value)))
            elif field == "update_password" and value not in UPDATE_PASSWORD:
                found.problem(where, "update_password must be on_create or always, got %r" % value)
            else:
                entry[field] = value
        elif field in BOOL_FIELDS:
            if not isinstance(value, bool):
                found.problem(where, "%s must be true or false, got %s" % (field, _kind_of(value)))
            else:
                entry[field] = value
        elif field == "user_tags":
            if not isinstance(value, dict):
                found.problem(where, "user_tags must be a mapping of tag keys to values, got %s" % _kind_of(value))
            else:
                entry[field] = dict((str(key), tag) for key, tag in value.items())
        elif not isinstance(value, list) or not all(isinstance(group, str) for group in value):
            found.problem(where, "experience_groups must be a list of group names or ids, got %s" % _kind_of(value))
        else:
            entry[field] = value
    return entry


def _kind_of(value):
    if isinstance(value, bool):
        return "a boolean (%s)" % str(value).lower()
    if isinstance(value, (int, float)):
        return "a number (%s)" % value
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return "%s (%s)" % (type(value).__name__, value)


class _Positions:
    """Lines and columns in a YAML or JSON text, found only once a problem needs one:
    reading the positions costs a second, slower pass over the text."""

    def __init__(self, text):
        self.text = text
        self.root = None

    def of(self, path):
        """(line, column) of the node at ``path``: (), (index,), (index, field) or (index, field, tag key)."""
        if self.root is None:
            try:
                self.root = yaml.compose(self.text, Loader=SafeLoader) or False
            except yaml.YAMLError:
                self.root = False
        node = self.root or None
        best = node
        for step in path:
            if step is None or node is None:
                break
            node = _child(node, step)
            best = node if node is not None else best
        if best is None:
            return (1, 1)
        return (best.start_mark.line + 1, best.start_mark.column + 1)


def _child(node, step):
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        return node.value[step] if step < len(node.value) else None
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == step:
                # a scalar is found where its key is; a mapping or list, at the key too
                return key if isinstance(value, yaml.ScalarNode) or step != "user_tags" else value
    return None


# -- the rules of each entry ---------------------------------------------------------

def _check_entries(found, passwords):
    by_email = dict((str(email).lower(), (email, password)) for email, password in passwords.items())
    first_line = {}
    for index, entry in enumerate(found.entries):
        email = entry.get("email")
        if not email:
            found.problem(found.where(index), "email is required: every user needs one")
            continue
        if user_option_errors(entry):  # rarely: then find each problem's field
            _locate_problems(found, index, entry)
        key = email.lower()
        if key in first_line:
            found.problem(found.where(index, "email"), "the same email as line %d; list each user once"
                          % first_line[key])
        first_line.setdefault(key, found.where(index, "email")[0])
        given = by_email.pop(key, None)
        if given is not None and not isinstance(given[1], str):
            found.problems.append("passwords[%r] must be text, got %s" % (given[0], type(given[1]).__name__))
        elif given is not None:
            for problem in user_option_errors({"password": given[1]}):
                found.problems.append("passwords[%r]: %s" % (given[0], problem))
            entry["password"] = given[1]
        elif entry.get("password_updated_after") is not None or entry.get("update_password") == "always":
            found.problem(found.where(index, "email"), "%s needs a password: give it in passwords, by email" % (
                "password_updated_after" if entry.get("password_updated_after") is not None
                else "update_password=always"))
    for email, dummy in sorted(by_email.values()):
        found.problems.append("passwords: %r is not the email of any user of %s" % (email, found.path))


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
