# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "yes"),
        (False, "no"),
        (1, "1"),
        (0, "0"),
        ("encrypt", "encrypt"),
        ("  padded  ", "padded"),
        (["noanonymous", "noplaintext"], "noanonymous, noplaintext"),
        (["a", True, 3], "a, yes, 3"),
        ([], ""),
        ("", ""),
        (None, None),
    ],
)
def test_render_value(value, expected):
    assert _values.render_value("p", value) == expected


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b", ["ok", "bad\n"]])
def test_render_value_rejects_newline_and_nul(value):
    with pytest.raises(_values.ConfigValueError, match="value of smtpd_banner contains"):
        _values.render_value("smtpd_banner", value)


@pytest.mark.parametrize("value", [{"a": 1}, 1.5, [None], [["nested"]]])
def test_render_value_rejects_other_types(value):
    with pytest.raises(_values.ConfigValueError, match="smtpd_banner"):
        _values.render_value("smtpd_banner", value)


@pytest.mark.parametrize("name", ["smtpd_tls_protocols", "A1_b2", "x"])
def test_check_param_name_accepts(name):
    _values.check_param_name(name)


@pytest.mark.parametrize("name", ["", "smtpd-tls", "a b", "a=b", "$x", "ä", 5, None])
def test_check_param_name_rejects(name):
    with pytest.raises(_values.ConfigValueError, match="parameter name"):
        _values.check_param_name(name)


def test_list_tokens_split_on_commas_and_whitespace():
    assert _values.list_tokens(" !SSLv2,!SSLv3 ,\t TLSv1 ") == ["!SSLv2", "!SSLv3", "TLSv1"]


def test_fold_whitespace_folds_continuations():
    assert _values.fold_whitespace("a  b\n    c\t d ") == "a b c d"


@pytest.mark.parametrize(
    ("current", "desired", "same"),
    [
        ("!SSLv2,!SSLv3", ["!SSLv2", "!SSLv3"], True),
        ("!SSLv2 !SSLv3", ["!SSLv2", "!SSLv3"], True),
        ("!SSLv3,!SSLv2", ["!SSLv2", "!SSLv3"], False),
        ("!SSLv2,!SSLv3", "!SSLv2, !SSLv3", False),
        ("$myhostname  ESMTP", "$myhostname ESMTP", True),
        ("yes", True, True),
        ("YES", True, True),
        ("no", True, False),
        ("1", 1, True),
        ("", "", True),
        ("", [], True),
    ],
)
def test_same_meaning(current, desired, same):
    assert _values.same_meaning(current, desired) is same


def test_same_meaning_none():
    assert _values.same_meaning(None, None)
    assert not _values.same_meaning(None, "x")
    assert not _values.same_meaning("x", None)


@pytest.mark.parametrize(
    ("text", "balanced"),
    [("a", True), ("{a}", True), ("{a {b}}", True), ("{a", False), ("a}", False), ("}{", False)],
)
def test_braces_balanced(text, balanced):
    assert _values.braces_balanced(text) is balanced


@pytest.mark.parametrize(
    ("current", "desired", "same"),
    [
        ("encrypt\u00a0", "encrypt", False),  # Postfix keeps U+00A0 in the value
        ("encrypt ", "encrypt", True),
        ("encrypt\t", "encrypt", True),
        ("a\u2003b", "a b", False),
        ("yes\r", True, True),
    ],
)
def test_only_ascii_white_space_separates_or_trims(current, desired, same):
    assert _values.same_meaning(current, desired) is same


def test_list_tokens_split_on_ascii_white_space_only():
    assert _values.list_tokens("a,\u00a0b c") == ["a", "\u00a0b", "c"]
    assert _values.split_words(" a\u00a0 b\t") == ["a\u00a0", "b"]


def test_render_keeps_non_ascii_white_space():
    assert _values.render_value("p", " encrypt\u00a0 ") == "encrypt\u00a0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", True),
        ("587", True),
        ("", False),
        ("-1", False),
        ("1.2", False),
        (" 1", False),
        ("\u00b2", False),
        ("\u0663", False),
    ],
)
def test_is_decimal_takes_ascii_digits_only(text, expected):
    assert _values.is_decimal(text) is expected
