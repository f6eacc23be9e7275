# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay audit (issue 19): postfix_info's relay view and the three relay findings, each alone.

The view part feeds main.cf/master.cf text through the same parsers postfix_info uses, with
Postfix 3.7's defaults; the findings part changes one fact of a hardened relay at a time.
"""

import copy
import importlib.util
import os

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings
from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_policy as pp

_spec = importlib.util.spec_from_file_location(
    "findings_cases", os.path.join(os.path.dirname(os.path.abspath(__file__)), "test__findings.py")
)
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

RELAY = "[relay.example.net]:587"
SECRET = "S3cret-relay-pw"
PASSWD = "/etc/postfix/sasl_passwd"

# What the role writes for a relay (hash: where lmdb is missing, as on this build host).
ROLE_MAIN = """\
relayhost = [relay.example.net]:587
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd
smtp_sasl_security_options = noplaintext, noanonymous
smtp_sasl_tls_security_options = noanonymous
smtp_tls_policy_maps = hash:/etc/postfix/tls_policy
smtp_tls_security_level = may
"""
SMTP_UNIX = "smtp unix - - y - - smtp\n"


def view(main_text=ROLE_MAIN, master_text=SMTP_UNIX, config_dir="/etc/postfix"):
    return pp.build_view(
        dict(pp.FALLBACK_DEFAULTS, mail_version="3.7.11"),
        pp.parse_params(main_text),
        pp.parse_services(master_text),
        config_dir=config_dir,
    )


# ---------------------------------------------------------------- tables


def test_table_lists_split_outside_braces_only():
    value = "hash:/a, lmdb:/b\n\tinline:{ x = y, z = w } proxy:unionmap:{hash:/c, static:u:p},,"
    assert pp.table_specs(value) == [
        "hash:/a",
        "lmdb:/b",
        "inline:{ x = y, z = w }",
        "proxy:unionmap:{hash:/c, static:u:p}",
    ]
    assert pp.table_specs("") == [] and pp.table_specs(None) == []


@pytest.mark.parametrize(
    "spec,files",
    [
        ("hash:" + PASSWD, [(PASSWD, "source"), (PASSWD + ".db", "map")]),
        ("btree:/p", [("/p", "source"), ("/p.db", "map")]),
        ("lmdb:" + PASSWD, [(PASSWD, "source"), (PASSWD + ".lmdb", "map")]),
        ("cdb:/p", [("/p", "source"), ("/p.cdb", "map")]),
        ("dbm:/p", [("/p", "source"), ("/p.dir", "map"), ("/p.pag", "map")]),
        ("texthash:/p", [("/p", "table")]),
        ("regexp:/p", [("/p", "table")]),
        ("proxy:hash:/p", [("/p", "source"), ("/p.db", "map")]),
        ("ldap:/etc/postfix/ldap-relay.cf", [("/etc/postfix/ldap-relay.cf", "config")]),
        ("mysql:/etc/postfix/mysql.cf", [("/etc/postfix/mysql.cf", "config")]),
        ("ldap:ldapsource", []),  # the old style: main.cf parameters, no file
        ("static:user:" + SECRET, []),
        ("inline:{ [relay]:587 = user:%s }" % SECRET, []),
        ("unionmap:{hash:/a, texthash:/b}", [("/a", "source"), ("/a.db", "map"), ("/b", "table")]),
    ],
)  # fmt: skip
def test_files_follow_from_the_table_type(spec, files):
    assert [(f["path"], f["role"]) for f in pp.table_files(spec)] == files


def test_a_lookup_opens_the_built_map_not_the_source():
    assert [f["path"] for f in pp.table_files("hash:/p", lookup_only=True)] == ["/p.db"]
    assert [f["path"] for f in pp.table_files("lmdb:/p", lookup_only=True)] == ["/p.lmdb"]
    assert [f["path"] for f in pp.table_files("texthash:/p", lookup_only=True)] == ["/p"]


@pytest.mark.parametrize(
    "spec,shown",
    [
        ("static:user:" + SECRET, "static:<redacted>"),
        ("inline:{ [relay]:587 = user:%s }" % SECRET, "inline:{<redacted>}"),
        ("proxy:static:u:" + SECRET, "proxy:static:<redacted>"),
        ("unionmap:{hash:/a, static:u:%s}" % SECRET, "unionmap:{hash:/a, static:<redacted>}"),
        ("hash:/etc/postfix/sasl_passwd", "hash:/etc/postfix/sasl_passwd"),
    ],
)
def test_table_data_that_holds_a_password_is_never_shown(spec, shown):
    assert pp.display_table(spec) == shown


# ---------------------------------------------------------------- the relay view


def test_role_relay_view():
    relay = view()["relay"]
    assert relay["relayhost"] == RELAY
    assert relay["sasl_auth_enable"] is True
    assert relay["sasl_security_options"] == ["noplaintext", "noanonymous"]
    assert relay["sasl_tls_security_options"] == ["noanonymous"]
    assert relay["policy_maps"] == ["hash:/etc/postfix/tls_policy"]
    (table,) = relay["password_maps"]
    assert (table["map"], table["type"], table["name"]) == (
        "hash:/etc/postfix/sasl_passwd",
        "hash",
        "/etc/postfix/sasl_passwd",
    )
    assert [f["path"] for f in table["files"]] == ["/etc/postfix/sasl_passwd", "/etc/postfix/sasl_passwd.db"]
    # the pure view cannot consult the table: the level stays unknown until postfix_info looks it up
    assert relay["policy_lookup"] == "unknown" and "not consulted" in relay["policy_lookup_note"]
    (dest,) = relay["destinations"]
    assert dest["nexthop"] == RELAY
    assert (dest["policy_status"], dest["tls_level"], dest["tls_level_source"]) == ("unknown", None, None)


def test_the_view_names_the_smtp_clients_sasl_type():
    assert view()["relay"]["sasl_type"] == "cyrus"  # Postfix's default
    assert view(ROLE_MAIN + "smtp_sasl_type = dovecot\n")["relay"]["sasl_type"] == "dovecot"


def test_defaults_noanonymous_and_the_tls_set_inherits_the_plain_one():
    relay = view("relayhost = [relay.example.net]:587\nsmtp_sasl_auth_enable = yes\n")["relay"]
    assert relay["sasl_security_options"] == ["noplaintext", "noanonymous"]
    assert relay["sasl_tls_security_options"] == ["noplaintext", "noanonymous"]
    assert relay["origins"]["smtp_sasl_tls_security_options"] == "default"
    relay = view("smtp_sasl_auth_enable = yes\nsmtp_sasl_security_options =\n")["relay"]
    assert relay["sasl_security_options"] == [] and relay["sasl_tls_security_options"] == []


def test_without_a_policy_table_the_global_level_decides():
    relay = view("relayhost = [relay.example.net]:587\nsmtp_sasl_auth_enable = yes\nsmtp_tls_security_level = may\n")[
        "relay"
    ]
    assert relay["policy_lookup"] == "not_needed" and relay["policy_lookup_note"] is None
    (dest,) = relay["destinations"]
    assert (dest["policy_status"], dest["tls_level"], dest["tls_level_source"]) == (
        "no_policy_maps",
        "may",
        "smtp_tls_security_level",
    )
    legacy = view("relayhost = relay.example.net\nsmtp_tls_security_level =\nsmtp_use_tls = yes\n")["relay"]
    assert legacy["destinations"][0]["tls_level"] == "may"
    assert legacy["destinations"][0]["tls_level_source"] == "smtp_use_tls"


def test_smtp_unix_overrides_win_for_the_client_settings_but_not_for_relayhost():
    master = (
        "smtp unix - - y - - smtp -o smtp_tls_security_level=encrypt -o smtp_sasl_security_options=noanonymous"
        " -o relayhost=[elsewhere.example]:25\n"
    )
    relay = view("relayhost = [relay.example.net]:587\nsmtp_sasl_auth_enable = yes\n", master)["relay"]
    assert relay["relayhost"] == RELAY  # trivial-rewrite reads main.cf's
    assert relay["sasl_security_options"] == ["noanonymous"]
    assert relay["origins"]["smtp_sasl_security_options"] == "master.cf"
    assert relay["destinations"][0]["tls_level"] == "encrypt"


def test_names_are_expanded_and_a_relayhost_list_gives_one_destination_each():
    main = (
        "relay_name = relay.example.net\n"
        "relayhost = [$relay_name]:587, [backup.example.net]:587\n"
        "smtp_sasl_password_maps = lmdb:$config_directory/sasl_passwd\n"
    )
    relay = view(main, config_dir="/srv/postfix")["relay"]
    assert [d["nexthop"] for d in relay["destinations"]] == [RELAY, "[backup.example.net]:587"]
    assert relay["password_maps"][0]["map"] == "lmdb:/srv/postfix/sasl_passwd"


def test_no_relayhost_means_nothing_to_look_up():
    relay = view("smtp_sasl_auth_enable = yes\nsmtp_tls_policy_maps = hash:/etc/postfix/tls_policy\n")["relay"]
    assert relay["relayhost"] == "" and relay["destinations"] == []
    assert relay["policy_lookup"] == "not_needed"


def test_inline_passwords_never_reach_the_relay_view():
    main = "relayhost = [r]:587\nsmtp_sasl_password_maps = static:u:%s, inline:{ [r]:587 = u:%s }\n" % (SECRET, SECRET)
    relay = view(main)["relay"]
    assert SECRET not in repr(relay)
    assert [(t["map"], t["name"], t["files"]) for t in relay["password_maps"]] == [
        ("static:<redacted>", None, []),
        ("inline:{<redacted>}", None, []),
    ]


def _hit(value, spec="hash:/etc/postfix/tls_policy"):
    return {"map": spec, "found": True, "value": value, "error": None}


def _miss(spec="hash:/etc/postfix/tls_policy"):
    return {"map": spec, "found": False, "value": None, "error": None}


def test_the_first_table_with_an_entry_decides_and_an_unreadable_table_stops_the_search():
    maps = ["hash:/a", "hash:/b"]
    dest = pp.relay_destination(
        RELAY, maps, "may", "smtp_tls_security_level", [_miss("hash:/a"), _hit("Secure match=x", "hash:/b")]
    )
    assert (dest["policy_status"], dest["policy_level"], dest["tls_level"]) == ("found", "secure", "secure")
    assert [p["map"] for p in dest["policy"]] == ["hash:/a", "hash:/b"]
    dest = pp.relay_destination(RELAY, maps, "may", "smtp_tls_security_level", [_hit("encrypt", "hash:/a"), _miss()])
    assert [p["map"] for p in dest["policy"]] == ["hash:/a"]  # Postfix does not look further
    error = {"map": "hash:/a", "found": None, "value": None, "error": "hash:/a: No such file"}
    dest = pp.relay_destination(RELAY, maps, "may", "smtp_tls_security_level", [error, _hit("encrypt")])
    assert (dest["policy_status"], dest["tls_level"]) == ("error", None)
    dest = pp.relay_destination(RELAY, maps, "may", "smtp_tls_security_level", [_miss("hash:/a"), _miss("hash:/b")])
    assert (dest["policy_status"], dest["tls_level"], dest["tls_level_source"]) == (
        "not_found",
        "may",
        "smtp_tls_security_level",
    )


def test_a_no_break_space_stays_part_of_the_level():
    dest = pp.relay_destination(RELAY, ["hash:/a"], "may", "smtp_tls_security_level", [_hit("encrypt\u00a0")])
    assert dest["tls_level"] == "encrypt\u00a0"


def test_resolve_fills_in_every_destination():
    relay = view()["relay"]
    pp.resolve_relay_policy(relay, {RELAY: [_hit("encrypt")]})
    assert relay["policy_lookup"] == "postmap" and relay["policy_lookup_note"] is None
    assert relay["destinations"][0]["tls_level"] == "encrypt"


# ---------------------------------------------------------------- findings, one change at a time


def hardened(**kw):
    """postfix_info of a hardened server with the role's relay, the policy entry looked up."""
    info = cases.clean_info()
    info["map_types"] = ["btree", "hash", "lmdb"]
    info["relay"] = {
        "relayhost": RELAY,
        "destinations": [
            {
                "nexthop": RELAY,
                "policy": [_hit("encrypt")],
                "policy_status": "found",
                "policy_level": "encrypt",
                "tls_level": "encrypt",
                "tls_level_source": "smtp_tls_policy_maps",
            }
        ],
        "sasl_auth_enable": True,
        "sasl_security_options": ["noplaintext", "noanonymous"],
        "sasl_tls_security_options": ["noanonymous"],
        "password_maps": [
            {
                "map": "lmdb:/etc/postfix/sasl_passwd",
                "type": "lmdb",
                "name": "/etc/postfix/sasl_passwd",
                "files": [_file("/etc/postfix/sasl_passwd", "source"), _file("/etc/postfix/sasl_passwd.lmdb", "map")],
            }
        ],
        "policy_maps": ["hash:/etc/postfix/tls_policy"],
        "security_level": "may",
        "security_level_source": "smtp_tls_security_level",
        "policy_lookup": "postmap",
        "policy_lookup_note": None,
        "origins": {},
    }
    info["relay"].update(kw)
    return info


def _file(path, role, **kw):
    facts = {
        "path": path,
        "role": role,
        "exists": True,
        "regular": True,
        "mode": "0600",
        "uid": 0,
        "gid": 0,
        "owner": "root",
        "group": "root",
        "readable_by_others": False,
        "error": None,
    }
    facts.update(kw)
    return facts


def relay_ids(info, profile="intermediate"):
    return [
        (f["id"], f["severity"], f["service"])
        for f in _findings.findings(info, profile)
        if f["id"].startswith("relay_")
    ]


def only(info, fid):
    found = [f for f in _findings.findings(info) if f["id"] == fid]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("profile", _findings.PROFILES)
def test_the_role_relay_raises_nothing(profile):
    assert relay_ids(hardened(), profile) == []


def test_an_older_postfix_info_result_has_no_relay_to_judge():
    assert relay_ids(cases.clean_info()) == []


def _level(level, source="smtp_tls_policy_maps", status="found"):
    return [
        {
            "nexthop": RELAY,
            "policy": [_hit(level)] if status == "found" else [],
            "policy_status": status,
            "policy_level": level if status == "found" else None,
            "tls_level": level,
            "tls_level_source": source,
        }
    ]


@pytest.mark.parametrize("level", ["may", "none", "dane"])
def test_optional_tls_to_the_relay_is_high(level):
    info = hardened(destinations=_level(level))
    assert relay_ids(info) == [("relay_auth_without_mandatory_tls", "high", "outbound")]
    found = only(info, "relay_auth_without_mandatory_tls")
    assert "'%s %s' in the TLS policy table hash:/etc/postfix/tls_policy" % (RELAY, level) in found["message"]
    assert found["fix"].startswith(
        "change that entry in hash:/etc/postfix/tls_policy to '[relay.example.net]:587 encrypt'"
    )
    assert "postmap hash:/etc/postfix/tls_policy" in found["fix"]


@pytest.mark.parametrize("level", ["encrypt", "secure", "verify", "fingerprint", "dane-only"])
def test_mandatory_levels_protect_the_password(level):
    assert relay_ids(hardened(destinations=_level(level))) == []


@pytest.mark.parametrize("level", [None, "", "encrypt\u00a0", "bogus"])
def test_unknown_or_invalid_levels_are_not_this_finding(level):
    # unknown: the table was not consulted; anything else is no level, and Postfix defers the mail
    dest = _level(level)
    dest[0]["policy_status"] = "unknown" if level is None else "found"
    assert relay_ids(hardened(destinations=dest)) == []


def test_global_level_without_a_table_entry():
    info = hardened(destinations=_level("may", "smtp_tls_security_level", "not_found"))
    found = only(info, "relay_auth_without_mandatory_tls")
    assert "smtp_tls_policy_maps (hash:/etc/postfix/tls_policy) has no entry for it" in found["message"]
    assert found["fix"].startswith(
        "add the line '[relay.example.net]:587 encrypt' (or '[relay.example.net]:587 secure' to verify the relay's "
        "certificate too) to hash:/etc/postfix/tls_policy; postmap hash:/etc/postfix/tls_policy; postfix reload"
    )


def test_no_table_at_all_gets_the_commands_to_create_one():
    info = hardened(destinations=_level("may", "smtp_tls_security_level", "no_policy_maps"), policy_maps=[])
    found = only(info, "relay_auth_without_mandatory_tls")
    assert "smtp_tls_policy_maps is not set" in found["message"]
    assert found["fix"].startswith(
        "postconf -e 'smtp_tls_policy_maps = lmdb:/etc/postfix/tls_policy'; echo '[relay.example.net]:587 encrypt' "
        ">> /etc/postfix/tls_policy; postmap lmdb:/etc/postfix/tls_policy; postfix reload"
    )
    info["map_types"] = ["hash"]
    info["config_dir"] = "/srv/pf/"
    info["relay"]["origins"] = {"smtp_tls_policy_maps": "master.cf"}
    assert only(info, "relay_auth_without_mandatory_tls")["fix"].startswith(
        "postconf -P 'smtp/unix/smtp_tls_policy_maps=hash:/srv/pf/tls_policy'; echo '[relay.example.net]:587 "
        "encrypt' >> /srv/pf/tls_policy; postmap hash:/srv/pf/tls_policy"
    )


def test_legacy_source_is_named():
    info = hardened(destinations=_level("may", "smtp_use_tls", "no_policy_maps"), policy_maps=[])
    assert (
        "smtp_tls_security_level = may (from smtp_use_tls)" in only(info, "relay_auth_without_mandatory_tls")["message"]
    )


def test_each_optional_relay_destination_is_reported():
    dests = [*_level("may"), dict(_level("encrypt")[0], nexthop="[b.example.net]:587")]
    dests.append(dict(_level("none")[0], nexthop="[c.example.net]:587"))
    found = [
        f for f in _findings.findings(hardened(destinations=dests)) if f["id"] == "relay_auth_without_mandatory_tls"
    ]
    assert [RELAY in f["message"] or "[c.example.net]:587" in f["message"] for f in found] == [True, True]
    assert not any("[b.example.net]" in f["message"] for f in found)


def test_without_auth_or_without_relayhost_there_is_no_tls_finding():
    assert relay_ids(hardened(sasl_auth_enable=False, destinations=_level("none"))) == []
    # smtp_sasl_auth_enable without relayhost: the destinations it would log in to are unknown
    assert relay_ids(hardened(relayhost="", destinations=[])) == []


@pytest.mark.parametrize(
    "plain,tls,missing",
    [
        (["noplaintext"], ["noanonymous"], ["smtp_sasl_security_options"]),
        (["noplaintext", "noanonymous"], [], ["smtp_sasl_tls_security_options"]),
        ([], [], ["smtp_sasl_security_options", "smtp_sasl_tls_security_options"]),
    ],
)
def test_anonymous_sasl_to_the_relay(plain, tls, missing):
    info = hardened(sasl_security_options=plain, sasl_tls_security_options=tls)
    assert relay_ids(info) == [("relay_sasl_anonymous_allowed", "medium", "outbound")]
    found = only(info, "relay_sasl_anonymous_allowed")
    assert found["message"].startswith(
        "The smtp client authenticates to the relayhost %s, and %s lacks noanonymous" % (RELAY, " and ".join(missing))
    )
    fixes = {
        "smtp_sasl_security_options": "postconf -e 'smtp_sasl_security_options = noplaintext, noanonymous'",
        "smtp_sasl_tls_security_options": "postconf -e 'smtp_sasl_tls_security_options = noanonymous'",
    }
    assert found["fix"] == "; ".join(fixes[name] for name in missing) + "; postfix reload"


def test_anonymous_sasl_is_judged_without_relayhost_too_and_not_without_auth():
    info = hardened(relayhost="", destinations=[], sasl_security_options=["noplaintext"])
    assert (
        "any server for which smtp_sasl_password_maps has an entry"
        in only(info, "relay_sasl_anonymous_allowed")["message"]
    )
    assert relay_ids(hardened(sasl_auth_enable=False, sasl_security_options=[], sasl_tls_security_options=[])) == []


def test_anonymous_fix_goes_where_the_setting_is():
    info = hardened(sasl_tls_security_options=[], origins={"smtp_sasl_tls_security_options": "master.cf"})
    assert only(info, "relay_sasl_anonymous_allowed")["fix"].startswith(
        "postconf -P 'smtp/unix/smtp_sasl_tls_security_options=noanonymous'"
    )


@pytest.mark.parametrize("mechanisms", [[], ["ANONYMOUS"]])
def test_no_sasl_mechanism_for_the_relay_login(mechanisms):
    client = {"dirs": ["/usr/lib/x86_64-linux-gnu/sasl2"], "mechanisms": mechanisms}
    info = hardened(sasl_client=client)
    assert relay_ids(info) == [("relay_sasl_no_mechanism", "high", "outbound")]
    found = only(info, "relay_sasl_no_mechanism")
    assert found["message"] == (
        "The smtp client logs in to the relayhost %s (smtp_sasl_auth_enable = yes) through Cyrus SASL, but no client "
        "mechanism it could log in with is installed (plugins in /usr/lib/x86_64-linux-gnu/sasl2: %s): the login "
        "fails with 'SASL authentication failure: No worthy mechs found' and the mail for it is deferred."
        % (RELAY, ", ".join(mechanisms) or "none")
    )
    assert "apt-get install libsasl2-modules" in found["fix"] and "postqueue -f" in found["fix"]


@pytest.mark.parametrize(
    "changes",
    [
        {"sasl_client": {"dirs": ["/usr/lib/sasl2"], "mechanisms": ["ANONYMOUS", "LOGIN", "PLAIN"]}},
        {"sasl_client": {"dirs": ["/usr/lib/sasl2"], "mechanisms": ["SCRAM"]}},
        {"sasl_client": None},  # no plugin directory (or another SASL type): nothing to judge by
        {"sasl_client": {"dirs": ["/usr/lib/sasl2"], "mechanisms": []}, "sasl_auth_enable": False},
    ],
)
def test_a_usable_mechanism_no_directory_or_no_login_is_no_mechanism_finding(changes):
    assert "relay_sasl_no_mechanism" not in [fid for fid, _s, _v in relay_ids(hardened(**changes))]


def test_no_mechanism_without_relayhost_names_the_password_map_servers():
    info = hardened(relayhost="", destinations=[], sasl_client={"dirs": ["/d"], "mechanisms": []})
    assert "the servers smtp_sasl_password_maps has entries for" in only(info, "relay_sasl_no_mechanism")["message"]


def _tables(*files):
    return [
        {
            "map": "hash:/etc/postfix/sasl_passwd",
            "type": "hash",
            "name": "/etc/postfix/sasl_passwd",
            "files": list(files),
        }
    ]


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"mode": "0640", "readable_by_others": True, "group": "postfix"}, "its mode 0640 lets group postfix read it"),
        ({"mode": "0604", "readable_by_others": True}, "its mode 0604 lets every local user read it"),
        ({"mode": "0644", "readable_by_others": True}, "every local user"),
        ({"uid": 108, "owner": "postfix"}, "it belongs to postfix, not root, so that account can read and replace it"),
    ],
)
def test_password_map_readable_by_others_or_not_roots(changes, words):
    info = hardened(password_maps=_tables(_file("/etc/postfix/sasl_passwd.db", "map", **changes)))
    assert relay_ids(info) == [("relay_password_map_readable", "high", "outbound")]
    found = only(info, "relay_password_map_readable")
    assert found["message"].startswith(
        "/etc/postfix/sasl_passwd.db, the database postmap built for hash:/etc/postfix/sasl_passwd "
        "(smtp_sasl_password_maps), holds the relay login and password in clear text, but "
    )
    assert words in found["message"]
    assert found["fix"].startswith(
        "chown root:root /etc/postfix/sasl_passwd.db && chmod 0600 /etc/postfix/sasl_passwd.db"
    )


def test_one_finding_per_exposed_file_and_both_problems_in_one_message():
    exposed = _file("/etc/postfix/sasl_passwd", "source", mode="0644", readable_by_others=True, uid=1000, owner="bob")
    info = hardened(password_maps=_tables(exposed, _file("/etc/postfix/sasl_passwd.db", "map", mode="0640")))
    found = [f for f in _findings.findings(info) if f["id"] == "relay_password_map_readable"]
    assert [f["message"].split(",")[0] for f in found] == ["/etc/postfix/sasl_passwd", "/etc/postfix/sasl_passwd.db"]
    assert "every local user read it and it belongs to bob, not root" in found[0]["message"]


@pytest.mark.parametrize(
    "changes",
    [
        {"exists": False, "regular": None, "mode": None, "uid": None, "owner": None, "readable_by_others": None},
        {"regular": False, "mode": "0644", "readable_by_others": True, "error": "a FIFO (named pipe)"},
        {"mode": "0600"},
        {"mode": "0700"},
    ],
)
def test_missing_special_or_root_only_files_are_not_this_finding(changes):
    info = hardened(password_maps=_tables(_file("/etc/postfix/sasl_passwd", "source", **changes)))
    assert relay_ids(info) == []


def test_password_files_are_judged_even_with_auth_off():
    exposed = _file("/etc/postfix/sasl_passwd", "source", mode="0644", readable_by_others=True)
    info = hardened(sasl_auth_enable=False, password_maps=_tables(exposed))
    assert relay_ids(info) == [("relay_password_map_readable", "high", "outbound")]


def test_relay_findings_keep_the_sort_order_and_leave_the_input_alone():
    info = hardened(
        destinations=_level("may"),
        sasl_security_options=[],
        password_maps=_tables(_file("/etc/postfix/sasl_passwd", "source", mode="0644")),
    )
    snapshot = copy.deepcopy(info)
    found = _findings.findings(info, "modern")
    assert info == snapshot
    order = [(_findings.SEVERITIES.index(f["severity"]), f["service"], f["id"]) for f in found]
    assert order == sorted(order)
    assert [f["id"] for f in found if f["id"].startswith("relay_")] == [
        "relay_auth_without_mandatory_tls",
        "relay_password_map_readable",
        "relay_sasl_anonymous_allowed",
    ]
    for finding in found:
        assert finding["id"] in _findings.FINDING_IDS
        assert finding["message"].endswith(".") and finding["fix"]
