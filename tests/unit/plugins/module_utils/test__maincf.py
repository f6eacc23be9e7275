# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.mailsec.postfix.plugins.module_utils import _maincf, _values

NAMES = ["myhostname", "smtpd_tls_protocols", "a", "b_1", "mynetworks"]
VALUE_CHARS = "abc $,!{}=#\t"

names = st.sampled_from(NAMES)
values = st.text(alphabet=VALUE_CHARS, max_size=12)
indent = st.sampled_from([" ", "\t", "    ", "  \t"])

assignment = st.builds(lambda n, sep, v: n + sep + v, names, st.sampled_from([" = ", "=", " =", "= ", "  =  "]), values)
continuation = st.builds(lambda i, v: i + "x" + v, indent, values)
comment = st.builds(lambda i, v: i + "#" + v, st.sampled_from(["", " ", "\t"]), values)
commented_assignment = st.builds(lambda a: "#" + a, assignment)
blank = st.sampled_from(["", " ", "\t \t"])
malformed = st.builds(lambda v: "junk" + v.replace("=", ""), values)
line = st.one_of(assignment, assignment, continuation, comment, commented_assignment, blank, malformed)
documents = st.builds(
    lambda lines, end: "\n".join(lines) + end, st.lists(line, max_size=25), st.sampled_from(["", "\n", "\r\n"])
)
desired = st.one_of(
    st.text(alphabet="abc $,!", max_size=10),
    st.lists(st.text(alphabet="abc!$", min_size=1, max_size=5), max_size=4),
    st.booleans(),
    st.integers(min_value=0, max_value=1000),
)


def without(doc, name):
    """All lines except the assignment lines of name (its interior comments stay)."""
    lines = []
    for chunk in doc.chunks:
        if isinstance(chunk, str):
            lines.append(chunk)
        elif chunk.name == name:
            lines.extend(line for line in chunk.lines[1:] if _maincf.is_ignored_line(line))
        else:
            lines.extend(chunk.lines)
    return [line.rstrip("\n") for line in lines]


@settings(max_examples=300, deadline=None)
@given(documents)
def test_round_trip_is_byte_identical(text):
    assert _maincf.render(_maincf.parse(text)) == text


@settings(max_examples=300, deadline=None)
@given(documents, names, desired)
def test_edit_changes_only_the_edited_parameter(text, name, value):
    old = _maincf.parse(text)
    result = _maincf.edit(text, {name: value})
    new = _maincf.parse(result.text)
    assert without(new, name) == without(old, name)
    entries = new.entries(name)
    assert len(entries) == 1
    assert _values.same_meaning(entries[0].value, value)
    others_old = {k: v for k, v in old.effective_values().items() if k != name}
    others_new = {k: v for k, v in new.effective_values().items() if k != name}
    assert others_old == others_new
    again = _maincf.edit(result.text, {name: value})
    assert again.text == result.text
    assert again.changed_params == []


@settings(max_examples=200, deadline=None)
@given(documents, names)
def test_remove_drops_every_definition(text, name):
    result = _maincf.edit(text, {name: None})
    new = _maincf.parse(result.text)
    assert new.entries(name) == []
    assert (name in result.changed_params) == bool(_maincf.parse(text).entries(name))
    assert without(new, name) == without(_maincf.parse(text), name)


DEBIAN = """# See /usr/share/postfix/main.cf.dist for a commented, more complete version

#myorigin = /etc/mailname

smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
biff = no

# TLS parameters
smtpd_tls_protocols = !SSLv2,!SSLv3
smtpd_relay_restrictions = permit_mynetworks
    permit_sasl_authenticated
    # interior comment
    defer_unauth_destination
compatibility_level = 3.6
"""


def test_equal_list_is_unchanged():
    result = _maincf.edit(DEBIAN, {"smtpd_tls_protocols": ["!SSLv2", "!SSLv3"]})
    assert result.text == DEBIAN
    assert result.changed_params == []


def test_multiline_value_compares_folded_and_is_replaced_whole():
    same = _maincf.edit(
        DEBIAN,
        {"smtpd_relay_restrictions": ["permit_mynetworks", "permit_sasl_authenticated", "defer_unauth_destination"]},
    )
    assert same.text == DEBIAN
    changed = _maincf.edit(DEBIAN, {"smtpd_relay_restrictions": ["permit_mynetworks", "reject_unauth_destination"]})
    assert "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n    # interior comment\n" in (
        changed.text
    )
    assert "defer_unauth_destination" not in changed.text
    assert "permit_sasl_authenticated" not in changed.text
    assert changed.changed_params == ["smtpd_relay_restrictions"]


def test_commented_assignment_is_left_alone_and_new_param_appended():
    result = _maincf.edit(DEBIAN, {"myorigin": "/etc/mailname"})
    assert result.text == DEBIAN + "myorigin = /etc/mailname\n"


def test_append_adds_missing_final_newline():
    assert _maincf.edit("a = 1", {"b": 2}).text == "a = 1\nb = 2\n"
    assert _maincf.edit("", {"b": True}).text == "b = yes\n"


def test_empty_value_renders_without_trailing_space():
    assert _maincf.edit("", {"smtpd_tls_cert_file": ""}).text == "smtpd_tls_cert_file =\n"


def test_duplicates_set_in_one_place():
    text = "a = 1\nb = 2\na = 3\nc = 4\na = 5\n"
    result = _maincf.edit(text, {"a": 5})
    assert result.text == "b = 2\nc = 4\na = 5\n"
    assert result.changed_params == []
    assert result.removed_duplicates == ["a"]
    result = _maincf.edit(text, {"a": "9"})
    assert result.text == "b = 2\nc = 4\na = 9\n"
    assert result.changed_params == ["a"]


def test_remove_deprecated_parameter():
    text = "smtpd_use_tls=yes\n# keep\nsmtpd_tls_security_level = may\n"
    result = _maincf.edit(text, {"smtpd_use_tls": None, "smtpd_enforce_tls": None})
    assert result.text == "# keep\nsmtpd_tls_security_level = may\n"
    assert result.changed_params == ["smtpd_use_tls"]


def test_values_are_rendered():
    result = _maincf.edit("", {"x": True, "y": 0, "z": ["a", "b"], "w": "hello  world"})
    assert result.text == "x = yes\ny = 0\nz = a, b\nw = hello  world\n"


def test_parse_reads_values_like_postfix():
    doc = _maincf.parse(DEBIAN)
    values = doc.effective_values()
    assert values["smtpd_relay_restrictions"] == (
        "permit_mynetworks permit_sasl_authenticated defer_unauth_destination"
    )
    assert "myorigin" not in values
    assert values["smtpd_banner"] == "$myhostname ESMTP $mail_name (Debian/GNU)"


def test_orphan_continuation_and_malformed_lines_are_kept():
    text = "  orphan\nnot an assignment\n  cont\na=1\n"
    assert _maincf.render(_maincf.parse(text)) == text
    assert _maincf.edit(text, {"a": 2}).text == "  orphan\nnot an assignment\n  cont\na = 2\n"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"smtpd-tls": "x"}, "parameter name 'smtpd-tls' is invalid"),
        ({"smtpd_banner": "a\nb"}, "value of smtpd_banner contains a newline"),
        ({"smtpd_banner": "a\x00b"}, "value of smtpd_banner contains a NUL"),
        ({"smtpd_banner": {"x": 1}}, "value of smtpd_banner has unsupported type"),
        (["smtpd_banner"], "params must be a dictionary"),
    ],
)
def test_bad_input_names_the_parameter(params, message):
    with pytest.raises(_values.ConfigValueError, match=message):
        _maincf.edit(DEBIAN, params)
