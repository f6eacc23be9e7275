# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's relay and the relay audit agree (issue 19).

test__findings_role.py renders the role's main.cf/master.cf and judges the pure view, where the
TLS policy table is never consulted (no postmap) and no file is stated. Here the same rendering
gets what postfix_info adds on a server: the relay's entry in the policy table as the role
writes it (looked up as postmap would find it) and the password map files as the role leaves
them (root:root 0600, which postmap copies to the built map).
"""

import importlib.util
import os

import pytest

from ansible_collections.mailsec.postfix.plugins.module_utils import _findings
from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_policy as pp
from ansible_collections.mailsec.postfix.plugins.plugin_utils import _baseline

_spec = importlib.util.spec_from_file_location(
    "findings_role", os.path.join(os.path.dirname(os.path.abspath(__file__)), "test__findings_role.py")
)
role = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(role)

RELAY = role.RELAY_AND_SENDERS["postfix_hardening_relayhost"]


def server_view(profile, level, entry=None, mode="0600"):
    """The role's relay as postfix_info reads it on the server, with the policy entry ``entry``."""
    params, services = role.render(
        role.DEBIAN12,
        postfix_hardening_profile=profile,
        **dict(role.RELAY_AND_SENDERS, postfix_hardening_relay_tls_level=level),
    )
    info = role.view(params, services, role.DEFAULTS_37)
    relay = info["relay"]
    (policy_map,) = relay["policy_maps"]
    # the entry the role writes for the relay into its TLS policy table
    value = _baseline.tls_policies({"relayhost": RELAY, "relay_tls_level": level})[RELAY] if entry is None else entry
    pp.resolve_relay_policy(relay, {RELAY: [{"map": policy_map, "found": True, "value": value, "error": None}]})
    for table in relay["password_maps"]:
        for item in table["files"]:
            item.update(exists=True, regular=True, mode=mode, uid=0, gid=0, owner="root", group="root")
            item["readable_by_others"] = bool(int(mode, 8) & 0o044)
    return info


def relay_judged(info, profile):
    return [(f["severity"], f["id"]) for f in _findings.findings(info, profile) if f["id"].startswith("relay_")]


@pytest.mark.parametrize("profile", _findings.PROFILES)
@pytest.mark.parametrize("level", ["encrypt", "secure"])
def test_the_role_relay_passes_the_relay_audit(profile, level):
    info = server_view(profile, level)
    relay = info["relay"]
    assert relay["relayhost"] == RELAY and relay["sasl_auth_enable"] is True
    (dest,) = relay["destinations"]
    assert (dest["tls_level"], dest["tls_level_source"]) == (level, "smtp_tls_policy_maps")
    assert [f["role"] for table in relay["password_maps"] for f in table["files"]] == ["source", "map"]
    assert relay_judged(info, profile) == []


@pytest.mark.parametrize("profile", _findings.PROFILES)
def test_the_audit_would_see_the_role_relay_break(profile):
    # the same server with the relay's policy entry at 'may', or the password map readable by all
    assert relay_judged(server_view(profile, "encrypt", entry="may"), profile) == [
        ("high", "relay_auth_without_mandatory_tls")
    ]
    assert relay_judged(server_view(profile, "encrypt", mode="0644"), profile) == [
        ("high", "relay_password_map_readable"),
        ("high", "relay_password_map_readable"),
    ]
