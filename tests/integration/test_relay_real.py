# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay audit (issue 19) against the real postconf and postmap on this host.

Each case writes a private configuration directory: Debian's stock main.cf/master.cf plus the
relay settings the role writes (relayhost [relay.example.net]:587, SASL with a password table
of mode 0600, mandatory TLS for the relay through the TLS policy table, smtp_tls_security_level
= may for everyone else), builds the tables with postmap, reads it with postfix_info and judges
it with tls_findings: once as the role leaves it, then with one thing changed.
"""

import glob
import importlib.util
import json
import os
import re
import shutil
import subprocess
import time

import pytest
from ansible.module_utils import basic

from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import tls_findings
from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_policy

_spec = importlib.util.spec_from_file_location(
    "postfix_info_real", os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_postfix_info_real.py")
)
real = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(real)

POSTMAP = "/usr/sbin/postmap"
pytestmark = pytest.mark.skipif(
    not (os.path.exists(real.POSTCONF) and os.path.exists(POSTMAP)),
    reason="Postfix (postconf, postmap) is not installed",
)

RELAY = "[relay.example.net]:587"
SECRET = "Relay-Pw-7f3a9c"
ROOT = os.geteuid() == 0
PLAIN, TLS = "smtp_sasl_security_options", "smtp_sasl_tls_security_options"


class Server:
    """A private Postfix configuration directory with the role's relay settings."""

    def __init__(self, base):
        self.base = base
        self.conf = base / "postfix"
        self.conf.mkdir()
        cert, key = real._make_cert(str(base), "mx")
        # postconf -m evaluates myorigin; Debian's names /etc/mailname, absent on a build host
        self.stock = real._stock_debian_main("mx.example.org", cert, key) + "myorigin = $myhostname\n"
        shutil.copy(real.DEBIAN_MASTER, str(self.conf / "master.cf"))
        (self.conf / "main.cf").write_text(self.stock)
        self.map_type = "lmdb" if "lmdb" in self.postconf("-m").split() else "hash"
        self.passwd = str(self.conf / "sasl_passwd")
        self.policy = str(self.conf / "tls_policy")
        self.table("sasl_passwd", "%s relayuser:%s\n" % (RELAY, SECRET), mode=0o600)
        self.table("tls_policy", "%s encrypt\n" % RELAY, mode=0o644)
        self.main()

    def postconf(self, *args):
        return subprocess.run(
            [real.POSTCONF, "-c", str(self.conf), *args], check=True, capture_output=True, text=True
        ).stdout

    def main(self, extra="", **params):
        settings = {
            "relayhost": RELAY,
            "smtp_sasl_auth_enable": "yes",
            "smtp_sasl_password_maps": "%s:%s" % (self.map_type, self.passwd),
            "smtp_sasl_security_options": "noplaintext, noanonymous",
            "smtp_sasl_tls_security_options": "noanonymous",
            "smtp_tls_policy_maps": "%s:%s" % (self.map_type, self.policy),
            "smtp_tls_security_level": "may",
            "smtp_tls_mandatory_protocols": ">=TLSv1.2",
        }
        settings.update(params)
        lines = ["%s = %s" % (name, value) for name, value in settings.items() if value is not None]
        (self.conf / "main.cf").write_text(self.stock + "\n".join(lines) + "\n" + extra)

    def table(self, name, text, mode=0o600):
        """Write a table's source file and build it with the real postmap."""
        path = str(self.conf / name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, mode)
        subprocess.run([POSTMAP, "-c", str(self.conf), "%s:%s" % (self.map_type, path)], check=True)
        os.chmod(self.built(path), mode)
        return path

    def built(self, path):
        return path + (".lmdb" if self.map_type == "lmdb" else ".db")

    def smtp_unix(self, options):
        master = self.conf / "master.cf"
        text = re.sub(r"(?m)^(smtp\s+unix\s.*)$", lambda m: m.group(1) + " " + options, master.read_text(), count=1)
        master.write_text(text)


@pytest.fixture
def server(tmp_path):
    return Server(tmp_path)


def audit(monkeypatch, server, profile="intermediate"):
    result = real.run_module(monkeypatch, {"config_dir": str(server.conf), "inspect_certificates": False})
    assert not result.get("failed"), result
    return result, tls_findings(result["postfix_info"], profile=profile)


def relay_findings(findings):
    return [f for f in findings if f["id"].startswith("relay_")]


def only(findings, fid):
    found = [f for f in findings if f["id"] == fid]
    assert len(found) == 1, findings
    return found[0]


def test_the_role_relay_is_clean_and_only_stat_facts_are_returned(monkeypatch, server):
    result, _findings = audit(monkeypatch, server)
    relay = result["postfix_info"]["relay"]
    for profile in ("interop", "intermediate", "modern"):
        assert relay_findings(tls_findings(result["postfix_info"], profile=profile)) == [], profile
    assert relay["relayhost"] == RELAY and relay["sasl_auth_enable"] is True
    assert relay["sasl_security_options"] == ["noplaintext", "noanonymous"]
    assert relay["sasl_tls_security_options"] == ["noanonymous"]
    assert relay["policy_lookup"] == "postmap" and relay["policy_lookup_note"] is None
    (dest,) = relay["destinations"]
    assert dest["policy"] == [
        {"map": "%s:%s" % (server.map_type, server.policy), "found": True, "value": "encrypt", "error": None}
    ]
    assert (dest["policy_status"], dest["tls_level"], dest["tls_level_source"]) == (
        "found",
        "encrypt",
        "smtp_tls_policy_maps",
    )
    (table,) = relay["password_maps"]
    assert table["map"] == "%s:%s" % (server.map_type, server.passwd)
    facts = {f["path"]: f for f in table["files"]}
    assert sorted(facts) == sorted([server.passwd, server.built(server.passwd)])
    for path, item in facts.items():
        st = os.stat(path)
        assert (item["exists"], item["regular"], item["mode"], item["readable_by_others"], item["error"]) == (
            True,
            True,
            "0600",
            False,
            None,
        )
        assert (item["uid"], item["gid"]) == (st.st_uid, st.st_gid)
    assert facts[server.passwd]["role"] == "source" and facts[server.built(server.passwd)]["role"] == "map"
    if ROOT:
        assert facts[server.passwd]["owner"] == facts[server.passwd]["group"] == "root"
    # the password is in the table, and nowhere in what the module returns
    assert SECRET not in json.dumps(result)


def test_the_lookup_is_postfixs_own(monkeypatch, server):
    """What postfix_info reports is what `postmap -q` answers for the next hop, table by table."""
    server.table("tls_policy", "relay.example.net secure\n[relay.example.net]:587 verify match=relay.example.net\n")
    result, _findings = audit(monkeypatch, server)
    (dest,) = result["postfix_info"]["relay"]["destinations"]
    direct = subprocess.run(
        [POSTMAP, "-c", str(server.conf), "-q", RELAY, "%s:%s" % (server.map_type, server.policy)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert dest["policy"][0]["value"] == direct == "verify match=relay.example.net"
    assert dest["tls_level"] == "verify"


@pytest.mark.parametrize(
    "entry,level",
    [("", "may"), ("%s may\n" % RELAY, "may"), ("%s dane\n" % RELAY, "dane"), ("%s none\n" % RELAY, "none")],
    ids=["no-entry", "may", "dane", "none"],
)
def test_optional_tls_for_the_relay(monkeypatch, server, entry, level):
    server.table("tls_policy", entry or "[other.example.net]:587 encrypt\n")
    result, findings = audit(monkeypatch, server)
    (dest,) = result["postfix_info"]["relay"]["destinations"]
    assert dest["tls_level"] == level
    found = only(findings, "relay_auth_without_mandatory_tls")
    assert (found["severity"], found["service"]) == ("high", "outbound")
    table = "%s:%s" % (server.map_type, server.policy)
    if entry:
        assert dest["policy_status"] == "found"
        assert "'%s %s' in the TLS policy table %s" % (RELAY, level, table) in found["message"]
    else:
        assert dest["policy_status"] == "not_found" and dest["tls_level_source"] == "smtp_tls_security_level"
        assert "has no entry for it" in found["message"]
        assert found["fix"].startswith("add the line '%s encrypt'" % RELAY)
    assert "postmap %s" % table in found["fix"]
    # the fix, applied: the finding is gone
    server.table("tls_policy", "%s encrypt\n" % RELAY)
    assert relay_findings(audit(monkeypatch, server)[1]) == []


def test_without_a_policy_table_the_client_level_decides_smtp_unix_override_included(monkeypatch, server):
    server.main(smtp_tls_policy_maps=None)
    result, findings = audit(monkeypatch, server)
    relay = result["postfix_info"]["relay"]
    assert relay["policy_lookup"] == "not_needed" and relay["destinations"][0]["policy_status"] == "no_policy_maps"
    fix = only(findings, "relay_auth_without_mandatory_tls")["fix"]
    table = "%s:%s/tls_policy" % (server.map_type, server.conf)
    assert fix.startswith("postconf -e 'smtp_tls_policy_maps = %s'; echo '%s encrypt' >> " % (table, RELAY))
    server.smtp_unix("-o smtp_tls_security_level=encrypt")
    result, findings = audit(monkeypatch, server)
    assert result["postfix_info"]["relay"]["destinations"][0]["tls_level"] == "encrypt"
    assert relay_findings(findings) == []


def test_auth_without_relayhost_raises_no_tls_finding(monkeypatch, server):
    server.main(relayhost=None, smtp_tls_security_level="none")
    result, findings = audit(monkeypatch, server)
    relay = result["postfix_info"]["relay"]
    assert (relay["relayhost"], relay["destinations"], relay["policy_lookup"]) == ("", [], "not_needed")
    assert relay_findings(findings) == []


@pytest.mark.parametrize(
    "params,missing",
    [
        ({"smtp_sasl_security_options": "", "smtp_sasl_tls_security_options": None}, [PLAIN, TLS]),
        ({"smtp_sasl_security_options": "noplaintext", "smtp_sasl_tls_security_options": None}, [PLAIN, TLS]),
        ({"smtp_sasl_security_options": "noplaintext"}, [PLAIN]),
        ({"smtp_sasl_tls_security_options": "noplaintext"}, [TLS]),
        ({"smtp_sasl_security_options": None, "smtp_sasl_tls_security_options": None}, []),
    ],
    ids=["empty-inherited", "noplaintext-inherited", "plain-only", "tls-only", "postfix-defaults"],
)  # fmt: skip
def test_anonymous_sasl_options_with_postfixs_defaults(monkeypatch, server, params, missing):
    server.main(**params)
    _result, findings = audit(monkeypatch, server)
    found = [f for f in findings if f["id"] == "relay_sasl_anonymous_allowed"]
    if not missing:
        # Postfix's own defaults: noplaintext, noanonymous, inherited by the TLS set
        assert found == []
        return
    (hit,) = found
    assert hit["severity"] == "medium"
    assert "and %s lacks noanonymous" % " and ".join(missing) in hit["message"]
    assert hit["fix"].count("postconf -e") == len(missing)


def test_password_map_permissions(monkeypatch, server):
    built = server.built(server.passwd)
    os.chmod(built, 0o644)
    os.chmod(server.passwd, 0o640)
    result, findings = audit(monkeypatch, server)
    files = {f["path"]: f for f in result["postfix_info"]["relay"]["password_maps"][0]["files"]}
    assert (files[built]["mode"], files[built]["readable_by_others"]) == ("0644", True)
    assert (files[server.passwd]["mode"], files[server.passwd]["readable_by_others"]) == ("0640", True)
    found = [f for f in findings if f["id"] == "relay_password_map_readable"]
    assert [(f["severity"], f["message"].split(",")[0]) for f in found] == [("high", server.passwd), ("high", built)]
    assert "lets group %s read it" % files[server.passwd]["group"] in found[0]["message"]
    assert "lets every local user read it" in found[1]["message"]
    assert found[1]["fix"].startswith("chown root:root %s && chmod 0600 %s" % (built, built))
    # 0600 again: gone; a missing source file is Postfix's business, not a leak
    os.chmod(built, 0o600)
    os.unlink(server.passwd)
    result, findings = audit(monkeypatch, server)
    files = {f["path"]: f for f in result["postfix_info"]["relay"]["password_maps"][0]["files"]}
    assert files[server.passwd]["exists"] is False and files[server.passwd]["mode"] is None
    assert (relay_findings(findings) == []) is ROOT  # as another user the files are not root's


def test_a_password_map_not_owned_by_root(monkeypatch, server):
    built = server.built(server.passwd)
    if ROOT:
        os.chown(built, 65534, 65534)
    result, findings = audit(monkeypatch, server)
    item = next(f for f in result["postfix_info"]["relay"]["password_maps"][0]["files"] if f["path"] == built)
    assert item["uid"] == os.stat(built).st_uid != 0
    found = [f for f in findings if f["id"] == "relay_password_map_readable" and f["message"].startswith(built)]
    assert len(found) == 1 and "it belongs to %s, not root" % item["owner"] in found[0]["message"]


def test_special_files_are_stated_never_opened(monkeypatch, server):
    """A FIFO as the built password map or the policy table: reported at once, postmap never sees it."""
    built_passwd, built_policy = server.built(server.passwd), server.built(server.policy)
    os.unlink(built_passwd)
    os.mkfifo(built_passwd, 0o644)
    os.unlink(built_policy)
    os.mkfifo(built_policy, 0o644)
    start = time.monotonic()
    result, findings = audit(monkeypatch, server)
    assert time.monotonic() - start < 10  # below the postmap timeout: postmap was not left waiting on it
    relay = result["postfix_info"]["relay"]
    item = next(f for f in relay["password_maps"][0]["files"] if f["path"] == built_passwd)
    assert (item["exists"], item["regular"], item["mode"]) == (True, False, "0644")
    assert "FIFO" in item["error"]
    (dest,) = relay["destinations"]
    assert (dest["policy_status"], dest["tls_level"]) == ("error", None)
    assert "FIFO" in dest["policy"][0]["error"]
    # a FIFO is no password file, and a table Postfix cannot read defers mail instead of sending it
    assert relay_findings(findings) == []


def test_a_missing_policy_table_is_an_error_not_a_level(monkeypatch, server):
    os.unlink(server.built(server.policy))
    result, findings = audit(monkeypatch, server)
    (dest,) = result["postfix_info"]["relay"]["destinations"]
    assert dest["policy_status"] == "error" and "No such file" in dest["policy"][0]["error"]
    assert dest["tls_level"] is None
    assert relay_findings(findings) == []


def test_a_texthash_table_is_looked_up_as_postfix_reads_it(monkeypatch, server):
    server.main(smtp_tls_policy_maps="texthash:%s" % server.policy)
    with open(server.policy, "w") as handle:
        handle.write("%s may\n" % RELAY)
    result, findings = audit(monkeypatch, server)
    assert result["postfix_info"]["relay"]["destinations"][0]["tls_level"] == "may"
    assert "postmap" not in only(findings, "relay_auth_without_mandatory_tls")["fix"]


def test_a_no_break_space_in_the_entry_stays_part_of_the_level(monkeypatch, server):
    # Postfix knows no level "encrypt\u00a0": it defers the relay's mail, no password leaves
    server.table("tls_policy", "%s encrypt\u00a0\n" % RELAY)
    result, findings = audit(monkeypatch, server)
    (dest,) = result["postfix_info"]["relay"]["destinations"]
    assert (dest["policy"][0]["value"], dest["tls_level"]) == ("encrypt\u00a0", "encrypt\u00a0")
    assert relay_findings(findings) == []


def test_a_proxy_table_is_asked_directly(monkeypatch, server):
    # proxymap only relays lookups and needs a running Postfix; the table behind it has the answer
    spec = "proxy:%s:%s" % (server.map_type, server.policy)
    server.main(smtp_tls_policy_maps=spec)
    result, findings = audit(monkeypatch, server)
    (dest,) = result["postfix_info"]["relay"]["destinations"]
    assert dest["policy"] == [{"map": spec, "found": True, "value": "encrypt", "error": None}]
    assert relay_findings(findings) == []


def test_inline_passwords_are_redacted(monkeypatch, server):
    server.main(smtp_sasl_password_maps="static:relayuser:%s" % SECRET)
    result, _findings = audit(monkeypatch, server)
    relay = result["postfix_info"]["relay"]
    assert relay["password_maps"] == [{"map": "static:<redacted>", "type": "static", "name": None, "files": []}]
    assert SECRET not in json.dumps(relay)


def test_files_fallback_says_the_policy_is_unknown(monkeypatch, server):
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, text: warnings.append(text))
    monkeypatch.setattr(
        basic.AnsibleModule,
        "get_bin_path",
        lambda self, name, *a, **kw: None if name == "postconf" else shutil.which(name),
    )
    os.chmod(server.built(server.passwd), 0o644)
    result, findings = audit(monkeypatch, server)
    info = result["postfix_info"]
    relay = info["relay"]
    assert info["source"] == "files"
    assert relay["policy_lookup"] == "unknown"
    assert relay["policy_lookup_note"].startswith("postconf is not installed: the TLS policy table")
    assert relay["policy_lookup_note"] in warnings
    assert relay["destinations"][0]["policy_status"] == "unknown" and relay["destinations"][0]["tls_level"] is None
    # the level is unknown: not judged; the files are stated all the same
    assert [f["id"] for f in relay_findings(findings)] == ["relay_password_map_readable"]
    # without a policy table the level is known from main.cf alone
    server.main(smtp_tls_policy_maps=None)
    _result, findings = audit(monkeypatch, server)
    assert only(findings, "relay_auth_without_mandatory_tls")["severity"] == "high"


def test_fallback_defaults_are_postfix_37s(server):
    names = [
        "relayhost",
        "smtp_sasl_auth_enable",
        "smtp_sasl_password_maps",
        "smtp_sasl_security_options",
        "smtp_sasl_tls_security_options",
        "smtpd_sender_login_maps",
        "smtpd_sender_restrictions",
        "smtpd_helo_restrictions",
        "smtpd_client_restrictions",
    ]
    defaults = _postfix_policy.parse_params(server.postconf("-d", *names))
    if not server.postconf("-dh", "mail_version").startswith("3.7."):
        pytest.skip("the built-in fallback defaults are Postfix 3.7's")
    assert set(names) <= set(_postfix_policy.DEFAULT_NAMES)
    assert {name: _postfix_policy.FALLBACK_DEFAULTS.get(name, "") for name in names} == defaults


def test_inline_credentials_never_leave_postfix_info(monkeypatch, server):
    # inline: and static: password maps hold the password in main.cf / master.cf themselves
    server.main(smtp_sasl_password_maps="inline:{ %s = mx1:Inline-Secret-1 }" % RELAY)
    server.smtp_unix("-o smtp_sasl_password_maps=static:mx1:Inline-Secret-2")
    result, findings = audit(monkeypatch, server)
    text = json.dumps(result)
    assert "Inline-Secret-1" not in text and "Inline-Secret-2" not in text
    assert result["postfix_info"]["main"]["smtp_sasl_password_maps"] == "inline:{<redacted>}"
    unix = next(s for s in result["postfix_info"]["services"] if (s["name"], s["type"]) == ("smtp", "unix"))
    assert unix["overrides"]["smtp_sasl_password_maps"] == "static:<redacted>"
    # the facts were computed from the real values: the relay is still judged (mandatory TLS: clean)
    assert relay_findings(findings) == []
    assert result["postfix_info"]["relay"]["destinations"][0]["tls_level"] == "encrypt"


def _sasl_plugins(directory, *names):
    directory.mkdir()
    for name in names:
        (directory / name).write_bytes(b"")
    return str(directory)


def test_the_sasl_client_mechanisms_are_those_of_the_plugin_files_on_this_host(monkeypatch, server):
    result, findings = audit(monkeypatch, server)
    relay = result["postfix_info"]["relay"]
    assert relay["sasl_type"] == "cyrus"
    client = relay["sasl_client"]
    # judged independently: the plugin files of this host's libsasl2 directories
    dirs = sorted(set(d for pattern in real.postfix_info.SASL_PLUGIN_DIRS for d in glob.glob(pattern)))
    assert client["dirs"] == dirs
    files = [name for d in dirs for name in os.listdir(d)]
    for mech, plugin in (("PLAIN", "libplain.so"), ("LOGIN", "liblogin.so")):
        assert (mech in client["mechanisms"]) == any(name.startswith(plugin) for name in files), mech
    usable = [m for m in client["mechanisms"] if m != "ANONYMOUS"]
    assert ("relay_sasl_no_mechanism" in [f["id"] for f in findings]) == (not usable)


def test_without_a_mechanism_plugin_the_relay_login_is_a_finding(monkeypatch, server, tmp_path):
    # what a Debian host without libsasl2-modules has: the auxprop plugin of libsasl2-modules-db only
    bare = _sasl_plugins(tmp_path / "sasl2", "libsasldb.so", "libsasldb.so.2", "libsasldb.so.2.0.25")
    monkeypatch.setattr(real.postfix_info, "SASL_PLUGIN_DIRS", (bare, str(tmp_path / "absent")))
    result, findings = audit(monkeypatch, server)
    assert result["postfix_info"]["relay"]["sasl_client"] == {"dirs": [bare], "mechanisms": []}
    found = only(findings, "relay_sasl_no_mechanism")
    assert (found["severity"], found["service"]) == ("high", "outbound")
    assert "plugins in %s: none" % bare in found["message"] and RELAY in found["message"]
    # with the mechanisms (libsasl2-modules), or with no plugin directory at all, there is none
    full = _sasl_plugins(tmp_path / "full", "libplain.so.2", "liblogin.so.2.0.25", "libanonymous.so")
    monkeypatch.setattr(real.postfix_info, "SASL_PLUGIN_DIRS", (bare, full))
    result, findings = audit(monkeypatch, server)
    assert result["postfix_info"]["relay"]["sasl_client"]["mechanisms"] == ["ANONYMOUS", "LOGIN", "PLAIN"]
    assert "relay_sasl_no_mechanism" not in [f["id"] for f in findings]
    monkeypatch.setattr(real.postfix_info, "SASL_PLUGIN_DIRS", (str(tmp_path / "absent"),))
    result, findings = audit(monkeypatch, server)
    assert result["postfix_info"]["relay"]["sasl_client"] is None
    assert "relay_sasl_no_mechanism" not in [f["id"] for f in findings]


def test_no_login_or_another_sasl_type_looks_at_no_plugin(monkeypatch, server):
    server.main(smtp_sasl_auth_enable="no")
    result, _findings = audit(monkeypatch, server)
    assert result["postfix_info"]["relay"]["sasl_client"] is None
