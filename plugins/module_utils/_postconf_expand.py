# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``$name`` expansion of Postfix parameter values, and the parameter namespace it looks names up in.

``expand`` handles ``$name``, ``${name}``, ``$(name)``, ``${name?x}``, ``${name:x}``,
``${name?{x}:{y}}`` and the relational ``${{a} op {b} ? {x} : {y}}`` as Postfix does;
``Namespace`` layers the defaults, main.cf and a service's ``-o`` overrides and
expands a value in that service's namespace. Pure functions, stdlib only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailsec.postfix.plugins.module_utils._values import SPACE, is_decimal

_NAME_CHARS = re.compile(r"[A-Za-z0-9_]+")


def _find_close(text, start):
    """Index of the bracket closing text[start] ('{' or '('), or -1."""
    opening = text[start]
    closing = "}" if opening == "{" else ")"
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _level_tuple(text):
    parts = []
    for part in text.strip(SPACE).split("."):
        parts.append(int(part) if is_decimal(part) else 0)
    return tuple(parts)


_RELOP = re.compile(
    r"^\{(?P<a>.*?)\}\s*(?P<op>==|!=|<=level|>=level|<level|>level|<=|>=|<|>)\s*\{(?P<b>.*?)\}\s*\?\s*(?P<rest>.*)$",
    re.S | re.ASCII,
)


def _brace_operands(rest):
    """Parse ``{t} : {f}`` or ``{t}`` after the '?' of a conditional."""
    rest = rest.strip(SPACE)
    if not rest.startswith("{"):
        return rest, ""
    end = _find_close(rest, 0)
    if end < 0:
        return rest, ""
    true_text = rest[1:end]
    tail = rest[end + 1 :].strip(SPACE)
    false_text = ""
    if tail.startswith(":"):
        tail = tail[1:].strip(SPACE)
        if tail.startswith("{"):
            fend = _find_close(tail, 0)
            false_text = tail[1:fend] if fend > 0 else tail
        else:
            false_text = tail
    return true_text, false_text


def _compare(a, op, b):
    if op.endswith("level"):
        a_t, b_t = _level_tuple(a), _level_tuple(b)
        op = op[: -len("level")]
    elif is_decimal(a.strip(SPACE)) and is_decimal(b.strip(SPACE)):
        a_t, b_t = int(a), int(b)
    else:
        a_t, b_t = a, b
    return {
        "==": a_t == b_t,
        "!=": a_t != b_t,
        "<": a_t < b_t,
        "<=": a_t <= b_t,
        ">": a_t > b_t,
        ">=": a_t >= b_t,
    }[op]


def expand(value, lookup, depth=0):
    """Expand ``$name``, ``${name}``, ``$(name)``, ``${name?x}``, ``${name:x}``,
    ``${name?{x}:{y}}`` and ``${{a} op {b} ? {x} : {y}}`` as Postfix does.

    ``lookup(name)`` returns the raw value or None (unknown parameters expand
    to the empty string, as in Postfix).
    """
    if value is None:
        return None
    if depth > 20:
        # Postfix stops with "unreasonable macro call nesting"; treat as empty.
        return ""
    if "$" not in value:
        return value
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch != "$" or i + 1 >= len(value):
            out.append(ch)
            i += 1
            continue
        nxt = value[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt in "{(":
            end = _find_close(value, i + 1)
            if end < 0:
                out.append(value[i:])
                break
            out.append(_expand_braced(value[i + 2 : end], lookup, depth))
            i = end + 1
            continue
        match = _NAME_CHARS.match(value, i + 1)
        if not match:
            out.append(ch)
            i += 1
            continue
        out.append(expand(lookup(match.group(0)) or "", lookup, depth + 1))
        i = match.end()
    return "".join(out)


def _expand_braced(inner, lookup, depth):
    inner_s = inner.strip(SPACE)
    if inner_s.startswith("{"):
        match = _RELOP.match(inner_s)
        if not match:
            return ""
        a = expand(match.group("a"), lookup, depth + 1).strip(SPACE)
        b = expand(match.group("b"), lookup, depth + 1).strip(SPACE)
        true_text, false_text = _brace_operands(match.group("rest"))
        chosen = true_text if _compare(a, match.group("op"), b) else false_text
        return expand(chosen, lookup, depth + 1).strip(SPACE)
    match = _NAME_CHARS.match(inner_s)
    if not match:
        return ""
    name = match.group(0)
    rest = inner_s[match.end() :]
    current = expand(lookup(name) or "", lookup, depth + 1)
    if not rest:
        return current
    if rest[0] == "?":
        operand = rest[1:]
        if operand.strip(SPACE).startswith("{"):
            true_text, false_text = _brace_operands(operand)
            return expand(true_text if current else false_text, lookup, depth + 1)
        return expand(operand, lookup, depth + 1) if current else ""
    if rest[0] == ":":
        return "" if current else expand(rest[1:], lookup, depth + 1)
    return current


class Namespace:
    """Parameter namespace: defaults < main.cf < service -o overrides."""

    def __init__(self, defaults, main, overrides=None):
        self.defaults = defaults or {}
        self.main = main or {}
        self.overrides = overrides or {}

    def raw(self, name):
        for layer in (self.overrides, self.main, self.defaults):
            if name in layer:
                return layer[name]
        return None

    def get(self, name):
        return expand(self.raw(name) or "", self.raw)

    def explicit(self, name):
        """True when main.cf or the service sets the parameter."""
        return name in self.overrides or name in self.main

    def origin(self, name):
        if name in self.overrides:
            return "master.cf"
        if name in self.main:
            return "main.cf"
        return "default"
