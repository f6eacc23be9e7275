# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hide secrets in configuration text before it leaves a module (diff, messages).

Postfix can hold credentials inline: smtp_sasl_password_maps = static:user:pass,
or an inline:{ host = user:pass } table, in main.cf or in a master.cf -o override.
A diff or an error message that carries such a line would put the password into
registered variables, --diff output and logs. Pure functions, standard library only.
"""

from __future__ import annotations

import re

MASK = "<redacted>"

# Parameters whose static:/inline: tables hold credentials.
_SECRET_TABLE_NAME = r"[A-Za-z0-9_]*(?:password|passwd|secret|sasl|credential)[A-Za-z0-9_]*"
_ASSIGN_RE = re.compile(r"(?<![A-Za-z0-9_])(" + _SECRET_TABLE_NAME + r")[ \t]*=[ \t]*", re.IGNORECASE)
# Parameters whose plain value is itself a secret (a user-defined relay_password = ...).
_SECRET_VALUE_NAME_RE = re.compile(r"password|passwd|secret|credential", re.IGNORECASE)
_INLINE_TABLE_RE = re.compile(r"(?<![A-Za-z0-9_])(static|inline):", re.IGNORECASE)
_TABLE_REFERENCE_RE = re.compile(r"^[A-Za-z0-9_]+:")
_SPACE = " \t\n\v\f\r"


def is_secret_name(name):
    """True when a parameter's value may carry credentials."""
    return bool(re.fullmatch(_SECRET_TABLE_NAME, name or "", re.IGNORECASE))


def _matching_brace(text, open_at):
    """Index of the '}' closing the '{' at open_at (or len(text))."""
    depth = 0
    for index in range(open_at, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(text)


def _logical_line_end(text, start):
    """End of the main.cf logical line that holds start (continuation lines included)."""
    end = text.find("\n", start)
    while end != -1 and end + 1 < len(text) and text[end + 1] in " \t":
        end = text.find("\n", end + 1)
    return len(text) if end == -1 else end


def _value_end(text, match):
    before = text[: match.start()].rstrip(" \t")
    start = match.end()
    if before.endswith("{"):
        # -o { name = value }: the value ends at the group's closing brace.
        return _matching_brace(text, len(before) - 1)
    if before.endswith("-o") or re.search(r"(^|[ \t\n])-o$", before):
        end = start
        while end < len(text) and text[end] not in _SPACE:
            end += 1
        return end
    return _logical_line_end(text, start)


def _redact_tables(value):
    out = []
    pos = 0
    found = False
    for match in _INLINE_TABLE_RE.finditer(value):
        if match.start() < pos:
            continue
        found = True
        start = match.end()
        if start < len(value) and value[start] == "{":
            end = _matching_brace(value, start)
            out.append(value[pos:start] + "{" + MASK + "}")
            pos = min(end + 1, len(value))
            continue
        end = start
        while end < len(value) and value[end] not in _SPACE + ",}":
            end += 1
        out.append(value[pos:start] + MASK)
        pos = end
    out.append(value[pos:])
    return "".join(out), found


def _redact_value(name, value):
    redacted, found = _redact_tables(value)
    if found:
        return redacted
    core = value.strip(_SPACE)
    if core and _SECRET_VALUE_NAME_RE.search(name) and not _TABLE_REFERENCE_RE.match(core):
        head = value[: len(value) - len(value.lstrip(_SPACE))]
        tail = value[len(value.rstrip(_SPACE)) :]
        return head + MASK + tail
    return value


def redact_params(params):
    """A copy of a name -> value mapping with inline credentials replaced, as redact() does in text."""
    return {
        name: _redact_value(name, value) if isinstance(value, str) and is_secret_name(name) else value
        for name, value in params.items()
    }


def redact(text):
    """text with inline credentials replaced by <redacted>; anything else unchanged."""
    if not isinstance(text, str) or not text:
        return text
    out = []
    pos = 0
    for match in _ASSIGN_RE.finditer(text):
        if match.start() < pos:
            continue
        start = match.end()
        end = _value_end(text, match)
        out.append(text[pos:start])
        out.append(_redact_value(match.group(1), text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)
