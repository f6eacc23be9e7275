# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""benchmarks/mailbench: the change read from postconf -n/-M/-P, and its re-application by the variants."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.mailsec.postfix.benchmarks.mailbench import liveconfig, plays

POSTCONF = "/usr/sbin/postconf"
STOCK_MAIN = "/usr/share/postfix/main.cf.debian"
STOCK_MASTER = "/etc/postfix/master.cf"

SNAPSHOT = """biff = no
smtpd_banner = $myhostname ESMTP
smtpd_use_tls = yes
empty_value =
==
smtp       inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd -o syslog_name=postfix/submission \
-o {smtpd_client_restrictions=permit_sasl_authenticated, reject} -o smtpd_tls_auth_only=yes
mailman   unix  -       n       n       -       -       pipe flags=FRX user=list argv=/x.py ${nexthop} ${user}
==
submission/inet/smtpd_client_restrictions = permit_sasl_authenticated, reject
submission/inet/smtpd_tls_auth_only = yes
submission/inet/syslog_name = postfix/submission
"""


def test_parse_snapshot_reads_params_services_and_overrides():
    parsed = liveconfig.parse_snapshot(SNAPSHOT)
    assert parsed["params"] == {
        "biff": "no",
        "smtpd_banner": "$myhostname ESMTP",
        "smtpd_use_tls": "yes",
        "empty_value": "",
    }
    assert parsed["services"]["submission/inet"] == {
        "fields": ["submission", "inet", "n", "-", "y", "-", "-", "smtpd"],
        "args": [],
    }
    assert parsed["services"]["mailman/unix"]["args"] == [
        "flags=FRX",
        "user=list",
        "argv=/x.py",
        "${nexthop}",
        "${user}",
    ]
    assert parsed["overrides"]["submission/inet/smtpd_client_restrictions"] == "permit_sasl_authenticated, reject"


def test_parse_snapshot_refuses_other_shapes():
    with pytest.raises(RuntimeError, match="2 sections"):
        liveconfig.parse_snapshot("biff = no\n==\n")


def test_change_lists_what_differs():
    before = liveconfig.parse_snapshot(SNAPSHOT)
    after = liveconfig.parse_snapshot(
        SNAPSHOT.replace("smtpd_use_tls = yes\n", "smtpd_tls_security_level = may\n")
        .replace("biff = no", "biff = yes")
        .replace("submission inet n       -       y", "submission inet n       -       n")
        .replace("submission/inet/smtpd_tls_auth_only = yes\n", "")
        .replace("mailman   unix", "maildrop unix")
        + "smtp/inet/syslog_name = postfix/smtp\n"
    )
    delta = liveconfig.change(before, after)
    assert delta["params_set"] == {"biff": "yes", "smtpd_tls_security_level": "may"}
    assert delta["params_removed"] == ["smtpd_use_tls"]
    assert sorted(delta["services"]) == ["maildrop/unix", "submission/inet"]
    assert delta["services_removed"] == ["mailman/unix"]
    # a redefined service gets every override again (postconf -M drops its -o lines)
    assert delta["overrides_set"] == {
        "submission/inet/smtpd_client_restrictions": "permit_sasl_authenticated, reject",
        "submission/inet/syslog_name": "postfix/submission",
        "smtp/inet/syslog_name": "postfix/smtp",
    }
    assert delta["overrides_removed"] == []
    assert delta["service_options"]["smtp/inet"] == {"syslog_name": "postfix/smtp"}
    assert liveconfig.counts(delta) == {
        "main_cf_set": 2,
        "main_cf_removed": 1,
        "services": 2,
        "services_removed": 1,
        "overrides_set": 3,
        "overrides_removed": 0,
    }


def test_override_removed_from_a_kept_service():
    before = liveconfig.parse_snapshot(SNAPSHOT)
    after = liveconfig.parse_snapshot(SNAPSHOT.replace("submission/inet/smtpd_tls_auth_only = yes\n", ""))
    delta = liveconfig.change(before, after)
    assert delta["services"] == {}
    assert delta["overrides_removed"] == ["submission/inet/smtpd_tls_auth_only"]
    assert delta["overrides_set"] == {}
    services = plays.modules_play(delta)[0]["tasks"][1]["mailsec.postfix.mastercf"]["services"]
    assert services == [{"name": "submission", "type": "inet", "options": {"smtpd_tls_auth_only": None}}]


def test_signature_ignores_list_spacing_braces_and_order():
    one = "biff = no\n==\nb inet n - y - - smtpd -o {x=a, b}\na inet n - y - - smtpd\n==\n"
    two = "biff = no\n==\na inet n - y - - smtpd\nb inet n - y - - smtpd -o x=a,b\n==\n"
    assert liveconfig.signature(one) == liveconfig.signature(two)
    assert liveconfig.signature(one) != liveconfig.signature(one.replace("biff = no", "biff = yes"))


def test_postconf_p_refuses_whitespace_it_cannot_write():
    assert plays.override_argument("s/inet/x", "a, b,  c") == "s/inet/x=a,b,c"
    with pytest.raises(RuntimeError, match="whitespace"):
        plays.override_argument("s/inet/x", "a b")


class LocalPostfix:
    """Container stand-in: runs the shell scripts on this host against one config directory."""

    def __init__(self, confdir):
        self.env = dict(os.environ, MAIL_CONFIG=str(confdir))

    def sh(self, script, check=True, timeout=60):
        proc = subprocess.run(
            ["sh", "-c", script], check=False, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert not check or proc.returncode == 0, proc.stderr
        return proc.stdout


ROLE_LIKE_MASTER = """submission inet n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }
"""


@pytest.mark.skipif(
    not (os.path.exists(POSTCONF) and os.path.exists(STOCK_MAIN) and os.path.exists(STOCK_MASTER)),
    reason="Postfix (postconf and Debian's stock files) is not installed",
)
def test_shell_variant_script_reproduces_the_change(tmp_path):
    shutil.copy(STOCK_MAIN, tmp_path / "main.cf")
    shutil.copy(STOCK_MASTER, tmp_path / "master.cf")
    pristine = {name: (tmp_path / name).read_bytes() for name in ("main.cf", "master.cf")}
    host = LocalPostfix(tmp_path)
    before = liveconfig.read_snapshot(host)
    # edit the files by hand, the way no postconf call would lay them out
    text = (tmp_path / "main.cf").read_text().replace("biff = no\n", "")
    (tmp_path / "main.cf").write_text(text + "smtpd_tls_auth_only = yes\nsmtpd_tls_protocols = >=TLSv1.2\n")
    with open(tmp_path / "master.cf", "a") as handle:
        handle.write(ROLE_LIKE_MASTER)
    after = liveconfig.read_snapshot(host)
    delta = liveconfig.change(liveconfig.parse_snapshot(before), liveconfig.parse_snapshot(after))
    assert delta["params_removed"] == ["biff"]
    assert sorted(delta["services"]) == ["submission/inet"]
    for name, content in pristine.items():
        (tmp_path / name).write_bytes(content)
    host.sh("set -e\n" + "\n".join(plays.postconf_script(delta)) + "\n")
    assert liveconfig.signature(liveconfig.read_snapshot(host)) == liveconfig.signature(after)
    assert "submission services" in plays.lineinfile_play(delta)[0]["tasks"][2]["name"]
    assert "-o { smtpd_client_restrictions = permit_sasl_authenticated, reject }" in plays.master_block(delta)
