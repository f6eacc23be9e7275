# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parameter names and values shared by the main.cf and master.cf editors.

Pure functions, standard library only: no AnsibleModule in here.
"""

from __future__ import annotations

import re

PARAM_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
# Postfix splits and trims on ASCII white space only (its ISSPACE is isascii() &&
# isspace()). Python's \s, str.split() and str.strip() also take U+00A0 and other
# Unicode spaces, which would hide a pasted non-breaking space that Postfix keeps
# as part of the value.
SPACE = " \t\n\v\f\r"
_LIST_SPLIT_RE = re.compile(r"[ \t\n\v\f\r,]+")
_WHITESPACE_RE = re.compile(r"[ \t\n\v\f\r]+")
_FORBIDDEN_CHARS = ("\n", "\r", "\x00")


def is_space(char):
    """True for the characters Postfix treats as white space."""
    return char != "" and char in SPACE


def strip(text):
    """str.strip() limited to Postfix white space."""
    return text.strip(SPACE)


def split_words(text):
    """str.split() limited to Postfix white space."""
    return [word for word in _WHITESPACE_RE.split(text) if word]


def is_decimal(text):
    """Digits 0-9 only: str.isdigit() also takes '\u00b2', which int() refuses."""
    return bool(re.match(r"^[0-9]+$", text))


class ConfigValueError(ValueError):
    """A parameter name or value that cannot be written to a Postfix file."""


def check_param_name(name, where="parameter"):
    """Raise ConfigValueError unless name is a valid Postfix parameter name."""
    if not isinstance(name, str) or not PARAM_NAME_RE.match(name):
        raise ConfigValueError("%s name %r is invalid: only letters, digits and '_' are allowed" % (where, name))


def _render_scalar(name, value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        for char in _FORBIDDEN_CHARS:
            if char in value:
                raise ConfigValueError(
                    "value of %s contains a %s character, which Postfix "
                    "configuration files cannot hold" % (name, "NUL" if char == "\x00" else "newline")
                )
        return strip(value)
    raise ConfigValueError(
        "value of %s has unsupported type %s (use a string, integer, boolean or list)" % (name, type(value).__name__)
    )


def render_value(name, value):
    """Return the text Postfix should see for a desired value (None stays None).

    Booleans become yes/no, integers their decimal form, lists "a, b, c".
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = []
        for item in value:
            if isinstance(item, (list, tuple, dict)) or item is None:
                raise ConfigValueError("value of %s: list elements must be strings, integers or booleans" % name)
            text = _render_scalar(name, item)
            if text:
                parts.append(text)
        return ", ".join(parts)
    return _render_scalar(name, value)


def list_tokens(text):
    """Split a Postfix list value on commas and whitespace."""
    return [token for token in _LIST_SPLIT_RE.split(text) if token]


def fold_whitespace(text):
    """Fold whitespace runs (continuation lines included) into one space."""
    return strip(_WHITESPACE_RE.sub(" ", text))


def same_meaning(current, desired_value, rendered=None):
    """Compare a value as found in a file with a desired (unrendered) value.

    A list compares as a token list, a boolean case-insensitively (Postfix
    reads yes/no that way), anything else after folding whitespace.
    """
    if current is None or desired_value is None:
        return current is None and desired_value is None
    if rendered is None:
        rendered = render_value("value", desired_value)
    if isinstance(desired_value, (list, tuple)):
        return list_tokens(current) == list_tokens(rendered)
    if isinstance(desired_value, bool):
        return fold_whitespace(current).lower() == rendered
    return fold_whitespace(current) == fold_whitespace(rendered)


def braces_balanced(text):
    """True when every '{' in text has a matching '}' after it."""
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
