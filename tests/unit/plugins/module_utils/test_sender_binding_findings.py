# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""submission_without_sender_binding (issue 19): every listener with AUTH but port 25, each case alone.

The first part changes one fact of the hardened listeners; the second reads main.cf/master.cf
text with the parsers postfix_info uses, so -o overrides, $name expansion and the smtpd pass
service behind postscreen are what decides.
"""

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

FID = "submission_without_sender_binding"
MAPS = "lmdb:/etc/postfix/sender_logins"
BOUND = {"sender_login_maps": MAPS, "sender_restrictions": ["reject_sender_login_mismatch"], "helo_restrictions": []}
UNBOUND = {"sender_login_maps": "", "sender_restrictions": [], "helo_restrictions": []}


def info_with(submission=None, submissions=None, smtp=None):
    """The hardened listeners, with the sender facts of a current postfix_info result."""
    info = cases.clean_info()
    info["map_types"] = ["btree", "hash", "lmdb"]
    for name, facts in (("submission", submission), ("submissions", submissions), ("smtp", smtp)):
        cases.lst(info, name).update(facts if facts is not None else BOUND)
    return info


def hits(info, profile="intermediate"):
    return [(f["severity"], f["service"]) for f in _findings.findings(info, profile) if f["id"] == FID]


def finding(info, service="submission", profile="intermediate"):
    (found,) = [f for f in _findings.findings(info, profile) if f["id"] == FID and f["service"] == service]
    return found


@pytest.mark.parametrize("profile", _findings.PROFILES)
def test_bound_listeners_raise_nothing(profile):
    assert hits(info_with(), profile) == []
    assert _findings.findings(info_with()) == []  # and nothing else either


@pytest.mark.parametrize("profile,severity", [("interop", "info"), ("intermediate", "info"), ("modern", "low")])
def test_unbound_submission_listeners_by_profile(profile, severity):
    info = info_with(UNBOUND, UNBOUND)
    assert hits(info, profile) == [(severity, "submission"), (severity, "submissions")]


def test_port_25_is_never_this_finding_even_with_auth():
    info = info_with(smtp=dict(UNBOUND, sasl_enabled=True))
    assert hits(info) == []
    assert [f["id"] for f in _findings.findings(info) if f["service"] == "smtp"] == ["auth_on_public_smtp"]


def test_listeners_without_auth_or_on_loopback_are_not_judged():
    assert hits(info_with(dict(UNBOUND, sasl_enabled=False))) == []
    assert hits(info_with(dict(UNBOUND, loopback=True))) == []


def test_an_older_postfix_info_result_is_not_judged():
    # no sender_login_maps key at all: the facts were never gathered
    assert hits(cases.clean_info(), "modern") == []


def test_nothing_bound_message_and_fix():
    found = finding(info_with(UNBOUND))
    assert found["message"] == (
        "submission (port 587) offers AUTH but does not tie the envelope sender to the login: "
        "smtpd_sender_login_maps is empty and no restriction list applies reject_sender_login_mismatch "
        "(or reject_authenticated_sender_login_mismatch). Any authenticated user, or anyone with one stolen "
        "password, can send as any address, another user's or another domain's."
    )
    assert found["fix"].startswith(
        "master.cf service submission/inet: -o smtpd_sender_login_maps=lmdb:/etc/postfix/sender_logins "
        "-o smtpd_sender_restrictions=reject_sender_login_mismatch (one line per address or @domain"
    )
    assert found["fix"].endswith("then postmap lmdb:/etc/postfix/sender_logins)")


def test_table_without_restriction():
    info = info_with(dict(BOUND, sender_restrictions=["reject_non_fqdn_sender"]))
    found = finding(info)
    assert "smtpd_sender_login_maps = lmdb:/etc/postfix/sender_logins says which login owns" in found["message"]
    assert found["fix"] == (
        "master.cf service submission/inet: "
        "-o smtpd_sender_restrictions=reject_sender_login_mismatch,reject_non_fqdn_sender"
    )


def test_restriction_without_table():
    info = info_with(dict(BOUND, sender_login_maps=""))
    info["map_types"] = ["hash"]
    info["config_dir"] = "/srv/postfix"
    found = finding(info)
    assert (
        "smtpd_sender_restrictions applies a sender login check, but smtpd_sender_login_maps is empty"
        in (found["message"])
    )
    assert found["fix"].startswith("master.cf service submission/inet: -o smtpd_sender_login_maps=hash:/srv/postfix/")


@pytest.mark.parametrize(
    "key",
    ["sender_restrictions", "recipient_restrictions", "relay_restrictions", "client_restrictions", "helo_restrictions"],
)
@pytest.mark.parametrize("check", ["reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch"])
def test_any_of_the_five_lists_binds(key, check):
    facts = dict(BOUND, sender_restrictions=[])
    facts[key] = [check, "permit_sasl_authenticated", "reject"]
    assert hits(info_with(facts)) == []


@pytest.mark.parametrize("stop", ["permit_sasl_authenticated", "permit"])
def test_a_check_after_a_permit_never_runs_for_authenticated_clients(stop):
    facts = dict(BOUND, client_restrictions=[stop, "reject_sender_login_mismatch"], sender_restrictions=[])
    found = finding(info_with(facts))
    assert "the table is never enforced" in found["message"]
    # what comes after a permit_mynetworks still runs for authenticated clients
    facts["client_restrictions"] = ["permit_mynetworks", "reject_sender_login_mismatch"]
    assert hits(info_with(facts)) == []


def test_other_mismatch_checks_do_not_bind_authenticated_users():
    facts = dict(BOUND, sender_restrictions=["reject_unauthenticated_sender_login_mismatch"])
    assert hits(info_with(facts)) == [("info", "submission")]


def test_the_fix_names_the_service_whose_overrides_apply():
    info = info_with(dict(UNBOUND, service="10587", port=10587, settings_service="smtpd/pass"))
    found = finding(info, "10587")
    assert found["fix"].startswith("master.cf service smtpd/pass: -o smtpd_sender_login_maps=")


# ---------------------------------------------------------------- through the view

MAIN = """\
compatibility_level = 3.6
submission_senders = reject_sender_login_mismatch, permit_sasl_authenticated, reject
"""
MASTER = """\
smtp inet n - y - - smtpd
submission inet n - y - - smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sender_login_maps=hash:/etc/postfix/sender_logins
  -o smtpd_sender_restrictions=$submission_senders
submissions inet n - y - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
2587 inet n - y - - smtpd
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sender_restrictions=reject_sender_login_mismatch
"""


def view(main=MAIN, master=MASTER):
    return pp.build_view(
        dict(pp.FALLBACK_DEFAULTS, mail_version="3.7.11"), pp.parse_params(main), pp.parse_services(master)
    )


def listener(info, name):
    return next(item for item in info["listeners"] if item["service"] == name)


def test_view_reports_the_sender_facts_per_listener():
    info = view(MAIN + "smtpd_helo_restrictions = reject_invalid_helo_hostname\n")
    sub = listener(info, "submission")
    assert sub["sender_login_maps"] == "hash:/etc/postfix/sender_logins"
    assert sub["sender_restrictions"] == ["reject_sender_login_mismatch", "permit_sasl_authenticated", "reject"]
    assert sub["helo_restrictions"] == ["reject_invalid_helo_hostname"]
    assert sub["origins"]["smtpd_sender_login_maps"] == "master.cf"
    assert listener(info, "smtp")["sender_login_maps"] == ""


def test_view_judges_each_listener_with_its_own_overrides():
    found = {f["service"]: f for f in _findings.findings(view(), "modern") if f["id"] == FID}
    # submission binds ($name expanded); submissions has nothing; 2587 has the check but no table
    assert sorted(found) == ["2587", "submissions"]
    assert found["2587"]["severity"] == "low"
    assert "smtpd_sender_login_maps is empty: there is no table" in found["2587"]["message"]
    assert found["submissions"]["fix"].startswith(
        "master.cf service submissions/inet: -o smtpd_sender_login_maps=hash:/etc/postfix/sender_logins "
        "-o smtpd_sender_restrictions=reject_sender_login_mismatch"
    )


def test_a_main_cf_table_counts_for_every_listener():
    info = view(MAIN + "smtpd_sender_login_maps = hash:/etc/postfix/sender_logins\n")
    assert sorted(f["service"] for f in _findings.findings(info) if f["id"] == FID) == ["submissions"]


def test_behind_postscreen_the_smtpd_pass_overrides_decide():
    master = (
        "smtp inet n - y - 1 postscreen\n"
        "2525 inet n - y - 1 postscreen\n"
        "smtpd pass - - y - - smtpd -o smtpd_sasl_auth_enable=yes\n"
    )
    info = view(MAIN, master)
    assert [(lst["service"], lst["settings_service"], lst["sasl_enabled"]) for lst in info["listeners"]] == [
        ("smtp", "smtpd/pass", True),
        ("2525", "smtpd/pass", True),
    ]
    found = [f for f in _findings.findings(info) if f["id"] == FID]
    # port 25 is auth_on_public_smtp's; the other postscreen port is judged by smtpd/pass
    assert [(f["service"], f["fix"].split(":")[0]) for f in found] == [("2525", "master.cf service smtpd/pass")]
    bound = master.replace(
        "-o smtpd_sasl_auth_enable=yes",
        "-o smtpd_sasl_auth_enable=yes -o smtpd_sender_login_maps=hash:/x "
        "-o smtpd_sender_restrictions=$submission_senders",
    )
    assert [f for f in _findings.findings(view(MAIN, bound)) if f["id"] == FID] == []
