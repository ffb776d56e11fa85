# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""YAML and JSON text read for the users file (_user_files.py): the data, each
problem YAML or JSON leaves unsaid (a key given twice, a number too long to
read, a date that is no date) with its line and column, and the line and
column of any place in the data (Positions)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

import yaml

try:
    SafeLoader = yaml.CSafeLoader
except AttributeError:  # PyYAML without its C extension
    SafeLoader = yaml.SafeLoader

MERGE_TAG = "tag:yaml.org,2002:merge"
INT_TAG = "tag:yaml.org,2002:int"  # how YAML resolves a JSON number without a point
STR_TAG = "tag:yaml.org,2002:str"
DEEP = 1000  # levels of lists and mappings that libyaml reads (a users file needs 3)


def shown(value):
    """``value`` in a message, cut short: a file may hold anything."""
    return repr(value[:80]) if isinstance(value, str) else str(value)[:80]


class _Loader(SafeLoader):
    """The safe loader (no tag constructs anything but plain data), that notes a scalar it
    cannot construct - a date that is no date, a number too long to read - as a problem and
    keeps it as the text it is, as if quoted, instead of raising ValueError."""

    def __init__(self, stream):
        SafeLoader.__init__(self, stream)
        self.unreadable = []  # (position, message)


def _noting(construct, kind):
    def constructed(loader, node):
        try:
            return construct(loader, node)
        except (ValueError, OverflowError, KeyError) as exc:  # KeyError: "!!bool maybe"
            loader.unreadable.append((_position(node.start_mark), _unreadable(node.value, kind, exc)))
            return node.value
    return constructed


for _kind in ("int", "float", "timestamp", "bool"):
    _tag = "tag:yaml.org,2002:" + _kind
    _Loader.add_constructor(_tag, _noting(SafeLoader.yaml_constructors[_tag], _kind))


def _unreadable(text, kind, exc=None):
    """Why ``text``, that YAML reads as a number or a date, cannot be read."""
    if kind == "int":  # the one way int() fails on what YAML or JSON take for a number: past its digits limit
        return "a number of %d digits is too long to read; quote it" % sum(char.isdigit() for char in text)
    if kind == "bool":
        return "%r is tagged !!bool but is not true or false; quote it" % text[:80]
    return "%r reads as a %s but is not one (%s); quote it" % (
        text[:80], "date" if kind == "timestamp" else "number", exc)


def load_yaml(text, positions):
    """The data of a YAML text, and (position, message) of each scalar it cannot read and each
    key given twice in one mapping; raises yaml.YAMLError. One pass gives the data and, for
    ``positions``, the nodes."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        # before construct_document, whose merge keys ("<<") rewrite the mappings
        noted = _repeated_keys(root, lambda node: node.value if node.tag == STR_TAG
                               else loader.construct_object(node, deep=True))
        data = None if root is None else loader.construct_document(root)
    finally:
        loader.dispose()
    positions.root = root or False
    return data, loader.unreadable + noted


def load_json(text, positions):
    """The data of a JSON text, and (position, message) of each key given twice in one object and
    each number too long to read; raises ValueError (json.JSONDecodeError) or RecursionError.
    Only these need the slower pass for positions."""
    repeated, long_numbers = [], set()

    def unique_pairs(pairs):
        mapping = dict(pairs)
        if len(mapping) < len(pairs):
            keys = [key for key, dummy in pairs]
            repeated.extend(key for index, key in enumerate(keys) if key in keys[:index])
        return mapping

    def number(digits):
        try:
            return int(digits)
        except ValueError:  # more digits than int() reads (sys.get_int_max_str_digits)
            long_numbers.add(digits)
            return digits

    data = json.loads(text, object_pairs_hook=unique_pairs, parse_int=number)
    if not (repeated or long_numbers):
        return data, []
    root = positions.node()
    found = _repeated_keys(root, lambda node: node.value)
    numbers = [(_position(node.start_mark), _unreadable(node.value, "int")) for node in _nodes(root)
               if isinstance(node, yaml.ScalarNode) and node.tag == INT_TAG and node.value in long_numbers]
    # JSON that YAML cannot compose (a key of over 1024 characters) has no positions, still the problems
    if repeated and not found:
        found = [((1, 1), "key %s appears twice" % shown(key)) for key in repeated]
    if long_numbers and not numbers:
        numbers = [((1, 1), _unreadable(digits, "int")) for digits in sorted(long_numbers)]
    return data, found + numbers


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def json_item_lines(text):
    """The line where each item of the JSON list ``text`` starts: json.loads gives no positions,
    a second pass of the same scanner does, item by item."""
    decoder = json.JSONDecoder(parse_int=str)  # the numbers are not needed: nothing to fail on
    lines, line, counted = [], 1, 0
    index = _JSON_SPACE.match(text, _JSON_SPACE.match(text).end() + 1).end()  # past the "["
    while not text.startswith("]", index):
        line += text.count("\n", counted, index)
        counted = index
        lines.append(line)
        index = _JSON_SPACE.match(text, decoder.raw_decode(text, index)[1]).end()
        if text.startswith(",", index):
            index = _JSON_SPACE.match(text, index + 1).end()
    return lines


def _nodes(root):
    """Every node under ``root`` (None: none), in file order, each once (an alias repeats a node:
    "billion laughs"); iterative, as a file may nest deeply."""
    seen = set()
    stack = [] if root is None else [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        yield node
        if isinstance(node, yaml.MappingNode):
            stack.extend(child for pair in reversed(node.value) for child in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


def _repeated_keys(root, key_of):
    """(position, message) of each key given twice in one mapping under ``root``."""
    noted = []
    for node in _nodes(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        first = {}
        for key_node, dummy in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == MERGE_TAG:
                continue  # a list or mapping as a key is refused by the constructor
            key = key_of(key_node)
            try:
                earlier = first.setdefault(key, key_node)
            except TypeError:
                continue
            if earlier is not key_node:
                line, column = _position(earlier.start_mark)
                also = "column %d" % column if line == key_node.start_mark.line + 1 else "line %d" % line
                noted.append((_position(key_node.start_mark), "key %s appears twice (also %s)" % (shown(key), also)))
    return noted


def _position(mark):
    return (mark.line + 1, mark.column + 1)


def _position_at(text, offset):
    return (text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def yaml_error(exc, text):
    """(position, problem) of a YAMLError."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    character = getattr(exc, "character", None)  # a ReaderError: a character YAML does not take
    if mark is not None:
        position = _position(mark)
    elif isinstance(character, int) and chr(character) in text:
        # its position counts bytes with libyaml, characters without: the character itself says where
        position = _position_at(text, text.index(chr(character)))
    else:
        position = (1, 1)
    return position, getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)


_OPENING = (yaml.BlockSequenceStartToken, yaml.BlockMappingStartToken, yaml.FlowSequenceStartToken,
            yaml.FlowMappingStartToken)
_CLOSING = (yaml.BlockEndToken, yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)


def deepest(text):
    """Where ``text`` (YAML or JSON) first opens a list or mapping deeper than DEEP levels, or else
    its most deeply nested one: read token by token, which no nesting stops (and stopping there
    spares the pure Python scanner, slower with each level, the rest)."""
    depth = deepest = 0
    position = (1, 1)
    try:
        for token in yaml.scan(text, Loader=SafeLoader):
            if isinstance(token, _OPENING):
                depth += 1
                if depth > deepest:
                    deepest, position = depth, _position(token.start_mark)
                if depth > DEEP:
                    break
            elif isinstance(token, _CLOSING):
                depth -= 1
    except yaml.YAMLError as exc:  # libyaml stops at its own limit, and says where
        return yaml_error(exc, text)[0]
    return position


class Positions:
    """Lines and columns in a YAML or JSON text. The nodes of a YAML text come with its data;
    those of a JSON text only once a problem needs one: composing them costs a second, much
    slower pass over the text."""

    def __init__(self, text):
        self.text = text
        self.root = None  # None: not composed yet; False: nothing to compose

    def node(self):
        """The root node, or None."""
        if self.root is None:
            try:
                self.root = yaml.compose(self.text, Loader=SafeLoader) or False
            except (yaml.YAMLError, RecursionError):
                self.root = False
        return self.root or None

    def of(self, path):
        """(line, column) of the node at ``path``: (), (index,), (index, field) or (index, field, tag key)."""
        node = best = self.node()
        for step in path:
            if step is None or node is None:
                break
            node = _child(node, step)
            best = node if node is not None else best
        if best is None:
            return (1, 1)
        return _position(best.start_mark)


def _child(node, step):
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        return node.value[step] if step < len(node.value) else None
    found = None
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:  # the last of a key given twice: that is the one read
            if isinstance(key, yaml.ScalarNode) and key.value == step:
                # a scalar is found where its key is; a mapping or list, at the key too
                found = key if isinstance(value, yaml.ScalarNode) or step != "user_tags" else value
    return found


# -- the rules of each entry ---------------------------------------------------------
