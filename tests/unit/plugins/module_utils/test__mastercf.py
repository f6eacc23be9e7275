# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ansible_collections.mailsec.postfix.plugins.module_utils import _mastercf, _values

SERVICE_NAMES = ["smtp", "submission", "relay", "127.0.0.1:10025"]
TYPES = ["inet", "unix"]
OPTION_NAMES = ["syslog_name", "smtpd_tls_security_level", "smtpd_client_restrictions"]
VALUE_CHARS = "ab,$/ "

field = st.sampled_from(["-", "n", "y", "60", "1"])
indent = st.sampled_from([" ", "  ", "\t", "        "])
plain_value = st.text(alphabet="ab,$/", max_size=6)
spaced_value = st.text(alphabet=VALUE_CHARS, max_size=10)
option_arg = st.one_of(
    st.builds(lambda n, v: "-o %s=%s" % (n, v), st.sampled_from(OPTION_NAMES), plain_value),
    st.builds(lambda n, v: "-o { %s = %s }" % (n, v), st.sampled_from(OPTION_NAMES), spaced_value),
    st.builds(lambda n, v: "-o {%s=%s}" % (n, v), st.sampled_from(OPTION_NAMES), spaced_value),
)
service_line = st.builds(
    lambda name, stype, fields, cmd, inline: "%s %s %s %s%s" % (name, stype, " ".join(fields), cmd, inline),
    st.sampled_from(SERVICE_NAMES),
    st.sampled_from(TYPES),
    st.lists(field, min_size=5, max_size=5),
    st.sampled_from(["smtpd", "smtp", "pipe"]),
    st.sampled_from(["", " -v", " -o syslog_name=x"]),
)
continuation = st.one_of(
    st.builds(lambda i, a: i + a, indent, option_arg),
    st.builds(lambda i: i + "flags=Rq user=x argv=/bin/true ${recipient}", indent),
)
comment = st.sampled_from(["#", "# text", "#  -o smtpd_sasl_auth_enable=yes", "  # indented", ""])
commented_service = st.builds(lambda s: "#" + s, service_line)
line = st.one_of(service_line, service_line, continuation, continuation, comment, commented_service)
documents = st.builds(
    lambda lines, end: "\n".join(lines) + end, st.lists(line, max_size=20), st.sampled_from(["", "\n"])
)
desired_value = st.one_of(
    st.text(alphabet="ab$/", max_size=6),
    st.text(alphabet="ab, $", max_size=10),
    st.lists(st.text(alphabet="ab$", min_size=1, max_size=4), max_size=3),
    st.booleans(),
)


def services_by_key(text):
    return {s.key: s for s in _mastercf.parse(text).services()}


def other_lines(text, key):
    return [
        (c if isinstance(c, str) else tuple(c.lines))
        for c in _mastercf.parse(text).chunks
        if not (isinstance(c, _mastercf.Service) and c.key == key)
    ]


@settings(max_examples=300, deadline=None)
@given(documents)
def test_round_trip_is_byte_identical(text):
    assert _mastercf.render(_mastercf.parse(text)) == text


@st.composite
def well_formed_documents(draw):
    """Unique (name, type) services with continuations, comments and templates."""
    keys = draw(
        st.lists(st.tuples(st.sampled_from(SERVICE_NAMES), st.sampled_from(TYPES)), min_size=1, max_size=6, unique=True)
    )
    lines = draw(st.lists(comment, max_size=2))
    for name, stype in keys:
        head = draw(service_line).split(" ", 2)[2]
        lines.append("%s %s %s" % (name, stype, head))
        lines.extend(draw(st.lists(st.one_of(continuation, st.sampled_from(["#", "# x", ""])), max_size=4)))
        lines.extend(draw(st.lists(st.one_of(comment, commented_service), max_size=2)))
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n"]))
    assume(not _mastercf.find_orphaned_overrides(text))
    return text, draw(st.sampled_from(keys))


@settings(max_examples=300, deadline=None)
@given(well_formed_documents(), st.sampled_from(OPTION_NAMES), desired_value)
def test_option_edit_touches_only_that_service(document, option, value):
    text, (name, stype) = document
    before = _mastercf.analyse(services_by_key(text)[(name, stype)])
    result = _mastercf.edit(text, [{"name": name, "type": stype, "options": {option: value}}])
    assert other_lines(result.text, (name, stype)) == other_lines(text, (name, stype))
    after = _mastercf.analyse(services_by_key(result.text)[(name, stype)])
    found = [o for o in after.options if o.name == option]
    assert len(found) == 1
    assert _values.same_meaning(found[0].value, value)
    kept_before = [(o.name, o.value) for o in before.options if o.name != option]
    kept_after = [(o.name, o.value) for o in after.options if o.name != option]
    assert kept_before == kept_after
    assert [t.value for t in before.args] == [t.value for t in after.args]
    assert [t.value for t in before.tokens[:8]] == [t.value for t in after.tokens[:8]]
    again = _mastercf.edit(result.text, [{"name": name, "type": stype, "options": {option: value}}])
    assert again.text == result.text
    assert again.changed_services == []


@settings(max_examples=200, deadline=None)
@given(well_formed_documents())
def test_absent_removes_only_that_service(document):
    text, key = document
    result = _mastercf.edit(text, [{"name": key[0], "type": key[1], "state": "absent"}])
    assert key not in services_by_key(result.text)
    # Everything else stays byte for byte; of the removed service only its
    # comment and blank lines remain, where they were (issue 17, item 11).
    expected = []
    for chunk in _mastercf.parse(text).chunks:
        if isinstance(chunk, str):
            expected.append(chunk)
        elif chunk.key == key:
            expected.extend(line for line in chunk.lines[1:] if _mastercf.is_ignored_line(line))
        else:
            expected.extend(chunk.lines)
    assert result.text == "".join(expected)


DEBIAN = """# ==========================================================================
# service type  private unpriv  chroot  wakeup  maxproc command + args
#               (yes)   (yes)   (no)    (never) (100)
# ==========================================================================
smtp      inet  n       -       y       -       -       smtpd
#smtp      inet  n       -       y       -       1       postscreen
#smtpd     pass  -       -       y       -       -       smtpd
# Choose one: enable submission for loopback clients only, or for any client.
#127.0.0.1:submission inet n -   y       -       -       smtpd
#submission inet n       -       y       -       -       smtpd
#  -o syslog_name=postfix/submission
#  -o smtpd_tls_security_level=encrypt
#     Instead of specifying complex smtpd_<xxx>_restrictions here,
#     specify "smtpd_<xxx>_restrictions=$mua_<xxx>_restrictions"
#  -o milter_macro_daemon_name=ORIGINATING
# Choose one: enable submissions for loopback clients only, or for any client.
#submissions     inet  n       -       y       -       -       smtpd
#  -o syslog_name=postfix/submissions
#  -o smtpd_tls_wrappermode=yes
pickup    unix  n       -       y       60      1       pickup
relay     unix  -       -       y       -       -       smtp
        -o syslog_name=postfix/$service_name
#       -o smtp_helo_timeout=5 -o smtp_connect_timeout=5
maildrop  unix  -       n       n       -       -       pipe
  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}
"""

SUBMISSION = {
    "name": "submission",
    "private": "n",
    "chroot": "y",
    "command": "smtpd",
    "options": {
        "syslog_name": "postfix/submission",
        "smtpd_tls_security_level": "encrypt",
        "smtpd_client_restrictions": ["permit_sasl_authenticated", "reject"],
    },
}


def test_new_service_goes_after_its_commented_template():
    result = _mastercf.edit(DEBIAN, [SUBMISSION])
    block = (
        "#  -o milter_macro_daemon_name=ORIGINATING\n"
        "submission inet  n       -       y       -       -       smtpd\n"
        "  -o syslog_name=postfix/submission\n"
        "  -o smtpd_tls_security_level=encrypt\n"
        "  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n"
        "# Choose one: enable submissions"
    )
    assert block in result.text
    assert result.changed_services == ["submission/inet"]
    assert result.text.replace(
        block, "#  -o milter_macro_daemon_name=ORIGINATING\n# Choose one: enable submissions"
    ) == (DEBIAN)
    again = _mastercf.edit(result.text, [SUBMISSION])
    assert again.text == result.text
    assert again.changed_services == []


def test_new_service_without_template_is_appended():
    result = _mastercf.edit(DEBIAN, [{"name": "[::1]:2525", "command": "smtpd", "args": ["-v"]}])
    assert result.text == DEBIAN + "[::1]:2525 inet  -       -       -       -       -       smtpd\n  -v\n"


def test_both_option_forms_are_read():
    text = "s inet n - y - - smtpd -o a=1 -o { b = x y } -o {c=z}\n  -oe=5\n"
    view = _mastercf.analyse(_mastercf.parse(text).services()[0])
    assert [(o.name, o.value) for o in view.options] == [("a", "1"), ("b", "x y"), ("c", "z"), ("e", "5")]
    assert _mastercf.edit(text, [{"name": "s", "options": {"a": 1, "b": "x  y", "c": "z", "e": 5}}]).text == text


def test_changing_one_override_changes_only_that_line():
    text = _mastercf.edit(DEBIAN, [SUBMISSION]).text
    spec = dict(SUBMISSION, options={"smtpd_tls_security_level": "may"})
    result = _mastercf.edit(text, [spec])
    old_lines = text.splitlines()
    new_lines = result.text.splitlines()
    assert len(old_lines) == len(new_lines)
    assert [(a, b) for a, b in zip(old_lines, new_lines) if a != b] == [
        ("  -o smtpd_tls_security_level=encrypt", "  -o smtpd_tls_security_level=may")
    ]


def test_options_mode_exact_removes_unlisted_overrides():
    text = _mastercf.edit(DEBIAN, [SUBMISSION]).text
    spec = dict(SUBMISSION, options={"syslog_name": "postfix/submission"}, options_mode="exact")
    result = _mastercf.edit(text, [spec])
    assert "submission inet  n       -       y       -       -       smtpd\n  -o syslog_name=postfix/submission\n#" in (
        result.text
    )
    assert "smtpd_client_restrictions = permit" not in result.text


def test_remove_override_and_inline_edit():
    result = _mastercf.edit(DEBIAN, [{"name": "relay", "type": "unix", "options": {"syslog_name": None}}])
    assert "        -o syslog_name" not in result.text
    assert "#       -o smtp_helo_timeout=5 -o smtp_connect_timeout=5\n" in result.text
    text = "s inet n - y - - smtpd -o a=1 -o b=2 -v\n"
    out = _mastercf.edit(text, [{"name": "s", "options": {"a": None, "c": "x y"}}]).text
    assert out == "s inet n - y - - smtpd -o b=2 -o { c = x y } -v\n"


def test_option_goes_before_command_operands():
    result = _mastercf.edit(DEBIAN, [{"name": "maildrop", "type": "unix", "options": {"a": "b"}}])
    assert "pipe\n  -o a=b\n  flags=DRXhu user=vmail" in result.text


def test_fields_command_and_args():
    result = _mastercf.edit(
        DEBIAN,
        [
            {"name": "smtp", "chroot": "n", "maxproc": "10", "command": "postscreen"},
            {"name": "maildrop", "type": "unix", "args": ["flags=R", "argv=/bin/cat"]},
        ],
    )
    assert "smtp      inet  n       -       n       -       10       postscreen\n" in result.text
    assert "maildrop  unix  -       n       n       -       -       pipe\n  flags=R argv=/bin/cat\n" in result.text
    assert result.changed_services == ["smtp/inet", "maildrop/unix"]


def test_state_absent():
    result = _mastercf.edit(DEBIAN, [{"name": "relay", "type": "unix", "state": "absent"}])
    assert "relay     unix" not in result.text
    assert "postfix/$service_name" not in result.text
    assert _mastercf.edit(result.text, [{"name": "relay", "type": "unix", "state": "absent"}]).changed_services == []


def test_name_and_type_identify_a_service():
    text = "smtp inet n - y - - smtpd\nsmtp unix - - y - - smtp\n"
    result = _mastercf.edit(text, [{"name": "smtp", "type": "unix", "options": {"a": "1"}}])
    assert result.text == "smtp inet n - y - - smtpd\nsmtp unix - - y - - smtp\n  -o a=1\n"


def test_orphaned_override_under_commented_service_fails():
    text = "smtp inet n - y - - smtpd\n#submission inet n - y - - smtpd\n  -o smtpd_sasl_auth_enable=yes\n"
    with pytest.raises(_mastercf.MasterCfError, match=r"line 3.*'submission inet' \(line 2\).*smtp/inet"):
        _mastercf.edit(text, [{"name": "pickup", "type": "unix", "command": "pickup"}])


@pytest.mark.parametrize(
    ("services", "message"),
    [
        ([{"name": "x", "type": "tcp", "command": "smtpd"}], r"service x/tcp: unknown type 'tcp'"),
        ([{"name": "submission"}], r"service submission/inet: command is required"),
        ([{"name": "s", "command": "smtpd", "options": {"bad-name": 1}}], r"service s/inet: option name 'bad-name'"),
        (
            [{"name": "s", "command": "smtpd", "options": {"a": "x\ny"}}],
            r"service s/inet: value of a contains a newline",
        ),
        ([{"name": "s", "command": "smtpd", "options": {"a": "x\x00"}}], r"service s/inet: value of a contains a NUL"),
        (
            [{"name": "s", "command": "smtpd", "options": {"a": "{ x"}}],
            r"service s/inet: value of option a has unbalanced",
        ),
        ([{"name": "s", "command": "smtpd", "args": ["{x"]}], r"service s/inet: argument has unbalanced"),
        ([{"name": "s", "command": "smtpd", "args": ["a\nb"]}], r"service s/inet: argument contains a newline"),
        ([{"name": "s", "command": "smtpd x"}], r"service s/inet: command must be one word"),
        ([{"name": "s", "command": "smtpd", "chroot": "maybe"}], r"service s/inet: invalid chroot"),
        # digits of other scripts are not digits to Postfix (master(5) reads 0-9 only)
        ([{"name": "s", "command": "smtpd", "maxproc": "\u0663"}], r"service s/inet: invalid maxproc value"),
        ([{"name": "s", "command": "smtpd", "wakeup": "\u0666\u0660?"}], r"service s/inet: invalid wakeup value"),
        ([{"name": "s", "command": "a"}, {"name": "s", "type": "inet"}], r"service s/inet is listed more than once"),
        ([{"name": "bad name", "command": "a"}], r"invalid service name 'bad name'"),
        ("submission", r"services must be a list"),
    ],
)
def test_bad_input_names_the_service(services, message):
    with pytest.raises(_values.ConfigValueError, match=message):
        _mastercf.edit(DEBIAN, services)


def test_duplicate_service_in_file_fails():
    text = "s inet n - y - - smtpd\ns inet n - y - - smtpd\n"
    with pytest.raises(_mastercf.MasterCfError, match="service s/inet is defined 2 times"):
        _mastercf.edit(text, [{"name": "s", "options": {"a": 1}}])


def test_unbalanced_brace_in_file_names_the_service():
    text = "s inet n - y - - smtpd\n  -o { a = b\n"
    with pytest.raises(_mastercf.MasterCfError, match=r"service s/inet: unbalanced '\{'"):
        _mastercf.edit(text, [{"name": "s", "options": {"a": 1}}])


def test_orphan_under_several_commented_services_is_reported_once_and_blamed_on_the_nearest():
    text = (
        "smtp      inet  n       -       y       -       -       smtpd\n"
        "#submission inet n       -       y       -       -       smtpd\n"
        "#  -o syslog_name=postfix/submission\n"
        "#smtps     inet  n       -       y       -       -       smtpd\n"
        "#  -o syslog_name=postfix/smtps\n"
        "#628       inet  n       -       y       -       -       qmqpd\n"
        "  -o smtpd_tls_security_level=encrypt\n"
        "  -o smtpd_sasl_auth_enable=yes\n"
    )
    problems = _mastercf.find_orphaned_overrides(text)
    assert len(problems) == 1
    assert "'628 inet' (line 6)" in problems[0]
    assert "line 7" in problems[0]
    assert "smtp/inet" in problems[0]


@pytest.mark.parametrize("tail", ["  -o\n", "  -o syslog_name\n", "  -o {syslog_name}\n"])
def test_bare_o_in_the_edited_service_is_a_clear_error(tail):
    text = "submission inet n - y - - smtpd\n  -o smtpd_sasl_auth_enable=yes\n" + tail
    with pytest.raises(_mastercf.MasterCfError, match=r"service submission/inet: a bare '-o'"):
        _mastercf.edit(text, [{"name": "submission", "options": {"syslog_name": "x"}}])


@pytest.mark.parametrize("args", [["-o", "a=b"], ["-oa=b"], ["-v", "-o", "a=b"]])
def test_o_before_the_first_operand_in_args_points_to_options(args):
    with pytest.raises(_values.ConfigValueError, match="put them in options"):
        _mastercf.check_services([{"name": "x", "command": "smtpd", "args": args}])


def test_o_after_the_first_operand_belongs_to_the_command():
    spec = _mastercf.check_services([{"name": "x", "type": "unix", "command": "pipe", "args": ["argv=/bin/f", "-o"]}])
    assert spec[0].args == ["argv=/bin/f", "-o"]


def test_absent_keeps_comments_inside_the_service_block():
    text = (
        "smtp inet n - y - - smtpd\nrelay unix - - n - - smtp\n# keep\n  -o syslog_name=x\n\nlast unix - - n - - smtp\n"
    )
    result = _mastercf.edit(text, [{"name": "relay", "type": "unix", "state": "absent"}])
    assert result.text == "smtp inet n - y - - smtpd\n# keep\n\nlast unix - - n - - smtp\n"


def test_non_breaking_space_does_not_separate_master_cf_words():
    service = _mastercf.parse("s inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\u00a0\n").services()[0]
    view = _mastercf.analyse(service)
    assert view.options[0].value == "encrypt\u00a0"
