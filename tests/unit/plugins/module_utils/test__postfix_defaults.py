# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The names the view asks ``postconf -d`` for and their fallbacks (one table, two views of it)."""

import importlib.util
import os
import re

from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_defaults as pd
from ansible_collections.mailsec.postfix.plugins.module_utils import _postfix_policy as pp

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("policy_cases", os.path.join(_HERE, "test__postfix_policy.py"))
policy_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(policy_cases)


def test_default_names_are_the_table_keys_in_order():
    assert tuple(pd.PARAMETER_FALLBACKS) == pd.DEFAULT_NAMES
    assert pd.DEFAULT_NAMES[0] == "mail_version"
    assert pd.DEFAULT_NAMES[-1] == "smtp_sasl_tls_security_options"


def test_fallback_defaults_hold_exactly_the_names_with_a_fallback():
    assert set(pd.FALLBACK_DEFAULTS) <= set(pd.DEFAULT_NAMES)
    assert None not in pd.FALLBACK_DEFAULTS.values()
    assert {name for name, value in pd.PARAMETER_FALLBACKS.items() if value is None} == set(pd.DEFAULT_NAMES) - set(
        pd.FALLBACK_DEFAULTS
    )


def test_no_fallback_for_a_parameter_postfix_3_7_does_not_know():
    # build_view reports None for it when the defaults do not name it (source: files)
    assert "tls_ffdhe_auto_groups" in pd.DEFAULT_NAMES
    assert "tls_ffdhe_auto_groups" not in pd.FALLBACK_DEFAULTS
    view = pp.build_view(dict(pd.FALLBACK_DEFAULTS), {}, [], source="files")
    assert view["key_exchange"] == {
        "tls_eecdh_auto_curves": "X25519 X448 prime256v1 secp521r1 secp384r1",
        "tls_ffdhe_auto_groups": None,
    }


def test_fallbacks_only_refer_to_names_postconf_is_asked_for():
    for name, value in pd.FALLBACK_DEFAULTS.items():
        for ref in re.findall(r"\$[{(]*([A-Za-z0-9_]+)", value):
            assert ref in pd.DEFAULT_NAMES, (name, ref)


def test_fallbacks_match_postfix_3_7_postconf_d():
    # mail_version stays empty: without postconf the version is not known.
    printed = pp.parse_params(policy_cases.DEFAULTS_TEXT)
    shared = set(printed) & set(pd.FALLBACK_DEFAULTS) - {"mail_version"}
    assert len(shared) > 30
    assert {name: pd.FALLBACK_DEFAULTS[name] for name in shared} == {name: printed[name] for name in shared}
    assert pd.FALLBACK_DEFAULTS["mail_version"] == ""


def test_deprecated_in_lists_only_deprecated_names_sorted():
    layer = {"smtpd_use_tls": "yes", "smtpd_tls_security_level": "may", "smtp_tls_per_site": "hash:/x"}
    assert pd.deprecated_in(layer) == ["smtp_tls_per_site", "smtpd_use_tls"]
    assert pd.deprecated_in({}) == []
    assert all(name in pd.DEPRECATED_PARAMETERS for name in pd.deprecated_in(dict.fromkeys(pd.DEFAULT_NAMES, "")))


def test_policy_module_still_offers_what_callers_import_from_it():
    # postfix_info, the integration tests and the unit tests use these from _postfix_policy
    used = {
        "DEFAULT_NAMES",
        "FALLBACK_DEFAULTS",
        "SPACE",
        "attach_overrides",
        "build_view",
        "cipher_tokens",
        "display_table",
        "expand",
        "pair_chain_files",
        "parse_overrides",
        "parse_params",
        "parse_services",
        "protocols_enabled",
        "relay_destination",
        "resolve_relay_policy",
        "service_address",
        "table_files",
        "table_specs",
    }
    assert used <= set(pp.__all__)
    for name in pp.__all__:
        assert hasattr(pp, name), name
    assert pp.FALLBACK_DEFAULTS is pd.FALLBACK_DEFAULTS
    assert pp.DEFAULT_NAMES is pd.DEFAULT_NAMES
