# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The hardened baseline as data, and what it means for one server (controller side, pure).

``build(info, inputs)`` turns the live read (``mailsec.postfix.postfix_info``) and the
role's inputs into the main.cf parameters and master.cf services the role writes, in the
shapes ``maincf``/``mastercf``/``postfix_config`` take, plus the lookup tables the role
renders (TLS policy, sender logins). The relay password never comes here: the password
map is rendered by the role with ``no_log``.

Facts behind each value: docs/baseline.md. Values are what Postfix reads; ``None``
removes a parameter or override.
"""

import re

from ansible_collections.mailsec.postfix.plugins.module_utils import _profiles

COMMON = {
    # STARTTLS on port 25 stays opportunistic: plaintext only for peers without TLS.
    "smtpd_tls_security_level": "may",
    "smtpd_tls_auth_only": True,
    # AUTH is enabled per submission service in master.cf, never for port 25.
    "smtpd_sasl_auth_enable": False,
    # A list: it replaces the default, so noanonymous must stay in it.
    "smtpd_sasl_security_options": ["noanonymous", "noplaintext"],
    "smtpd_sasl_tls_security_options": ["noanonymous"],
    "smtpd_tls_received_header": True,
    "smtpd_tls_loglevel": 1,
    "smtp_tls_loglevel": 1,
    "disable_vrfy_command": True,
    "smtpd_helo_required": True,
    "tls_ssl_options": ["NO_RENEGOTIATION", "NO_COMPRESSION"],
    "tls_preempt_cipherlist": False,
    "smtpd_tls_ciphers": "medium",
    "smtpd_tls_mandatory_ciphers": "medium",
    # Obsolete since 3.6/3.7 or overridden by the *_security_level parameters.
    "smtpd_use_tls": None,
    "smtpd_enforce_tls": None,
    "smtp_use_tls": None,
    "smtp_enforce_tls": None,
    "smtpd_tls_dh1024_param_file": None,
    "smtpd_tls_eecdh_grade": None,
}

# ECDHE + AEAD only for the mandatory (submission) listeners.
MANDATORY_EXCLUDE = ["kRSA", "kDHE", "SHA1", "SHA256", "SHA384", "CAMELLIA", "ARIA", "AESCCM8"]


def _profile(name):
    """What one profile writes. Protocol floors and cipher exclusions come from the profile table
    the audit reads too (module_utils/_profiles.py)."""
    return {
        # interop writes Postfix's default >=TLSv1 out: left unset beside the mandatory setting, the
        # audit could not tell it from setting only *_mandatory_* (mandatory_settings_ignored).
        "smtpd_tls_protocols": _profiles.at_least(name, "opportunistic"),
        "smtpd_tls_exclude_ciphers": list(_profiles.EXCLUDE_CIPHERS[name]),
        "smtpd_tls_mandatory_protocols": _profiles.at_least(name, "mandatory"),
        "smtpd_tls_mandatory_exclude_ciphers": MANDATORY_EXCLUDE,
        "smtp_tls_protocols": _profiles.at_least(name, "outbound"),
    }


PROFILES = {name: _profile(name) for name in _profiles.PROFILES}

# Set only where the installed Postfix knows them (backported to 3.7.x).
VERSIONED = {"smtpd_forbid_unauth_pipelining": True, "smtpd_forbid_bare_newline": "normalize"}

# Key-exchange groups: Mozilla's list, and where Postfix 3.10+ runs on OpenSSL 3.5+ the hybrid
# post-quantum X25519MLKEM768 first, with key shares ('*') for it and X25519.
GROUPS_CLASSIC = list(_profiles.KEY_GROUPS)
GROUPS_HYBRID = ["*" + _profiles.HYBRID_GROUP, "*" + GROUPS_CLASSIC[0], *GROUPS_CLASSIC[1:]]

# -o overrides shared by both submission listeners.
SUBMISSION_COMMON = {
    "smtpd_tls_security_level": "encrypt",
    "smtpd_tls_auth_only": True,
    "smtpd_sasl_auth_enable": True,
    "smtpd_client_restrictions": ["permit_sasl_authenticated", "reject"],
    "smtpd_relay_restrictions": ["permit_sasl_authenticated", "reject"],
    "smtpd_recipient_restrictions": None,
    "milter_macro_daemon_name": "ORIGINATING",
}

# AUTH never on port 25: per-service overrides that would enable it are dropped on smtp/inet
# and, behind postscreen, on the smtpd that takes its clients (smtpd/pass).
PORT25_CLEANUP = {"smtpd_sasl_auth_enable": None, "smtpd_tls_security_level": None, "smtpd_tls_auth_only": None}

ROLE_SERVICES = ("smtp/inet", "submission/inet", "submissions/inet")
SYSTEM_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
TABLES = ("tls_policy", "sasl_passwd", "sender_logins")


class BaselineError(ValueError):
    """Inputs the baseline cannot be built from; the message names the variable."""


def _version(text):
    return tuple(int(x) for x in re.findall(r"[0-9]+", str(text or "0"))[:3]) or (0,)


def key_groups(info):
    """tls_eecdh_auto_curves for this Postfix/OpenSSL pair."""
    hybrid = _version(info.get("version")) >= (3, 10) and _version(info.get("openssl_version")) >= (3, 5)
    return " ".join(GROUPS_HYBRID if hybrid else GROUPS_CLASSIC)


def map_type(info):
    return "lmdb" if "lmdb" in (info.get("map_types") or []) else "hash"


def table(info, config_dir, name):
    """``type:path`` of one of the role's tables."""
    return "%s:%s/%s" % (map_type(info), config_dir.rstrip("/") or "", name)


BUILT_SUFFIX = {"lmdb": ".lmdb", "hash": ".db"}


def table_files(info, config_dir, name):
    """The table's map, its source file and the file postmap builds from it."""
    source = "%s/%s" % (config_dir.rstrip("/"), name)
    return {"map": table(info, config_dir, name), "source": source, "built": source + BUILT_SUFFIX[map_type(info)]}


def names_own_table(value, config_dir, name):
    """Whether a main.cf/-o value names the role's table (any map type): what the role set."""
    pattern = r"(hash|btree|lmdb|cdb):%s/%s" % (re.escape(config_dir.rstrip("/")), re.escape(name))
    return re.fullmatch(pattern, str(value or "").strip()) is not None


def _overrides_naming(info, param, config_dir, name):
    return any(
        names_own_table((svc.get("overrides") or {}).get(param), config_dir, name) for svc in info.get("services") or []
    )


def postscreen_in_front(info):
    return any(
        svc.get("name") == "smtp" and svc.get("type") == "inet" and svc.get("command") == "postscreen"
        for svc in info.get("services") or []
    )


def relay_policy(level):
    """The policy-table entry for the relay: mandatory TLS; secure also checks its name (nexthop)."""
    if level not in ("encrypt", "secure"):
        raise BaselineError("postfix_hardening_relay_tls_level must be encrypt or secure, got %r" % (level,))
    return level


def tls_policies(inputs):
    """The TLS policy table: the operator's destinations plus the relay."""
    policies = dict(inputs.get("tls_policies") or {})
    if inputs.get("relayhost"):
        policies[inputs["relayhost"]] = relay_policy(inputs.get("relay_tls_level", "encrypt"))
    return policies


def sender_owners(logins):
    """smtpd_sender_login_maps content: address (or @domain) -> the logins that own it, sorted."""
    owners = {}
    for login in sorted(logins or {}):
        for address in logins[login]:
            owners.setdefault(address, []).append(login)
    return {address: ",".join(owners[address]) for address in sorted(owners)}


def _outbound(info, inputs, policies, config_dir):
    main = info.get("main") or {}
    level = inputs.get("outbound_level", "may")
    out = {"smtp_tls_security_level": level}
    dane = level in ("dane", "dane-only") or any(str(p).strip().startswith("dane") for p in policies.values())
    # Switching a feature off removes what switching it on set: dnssec (DANE) and the role's table.
    if dane:
        out["smtp_dns_support_level"] = "dnssec"
    elif main.get("smtp_dns_support_level", "") == "dnssec":
        out["smtp_dns_support_level"] = None
    if policies:
        out["smtp_tls_policy_maps"] = table(info, config_dir, "tls_policy")
    elif names_own_table(main.get("smtp_tls_policy_maps"), config_dir, "tls_policy"):
        out["smtp_tls_policy_maps"] = None
    # The smtp_tls_mandatory_* settings apply only to destinations with a mandatory level.
    if policies or level != "may":
        floor = _profiles.at_least(inputs.get("profile", "intermediate"), "outbound_mandatory")
        out.update({"smtp_tls_mandatory_protocols": floor, "smtp_tls_mandatory_ciphers": "medium"})
    else:
        out.update({"smtp_tls_mandatory_protocols": None, "smtp_tls_mandatory_ciphers": None})
    return out


RELAY_PARAMS = (
    "relayhost",
    "smtp_sasl_auth_enable",
    "smtp_sasl_password_maps",
    "smtp_sasl_security_options",
    "smtp_sasl_tls_security_options",
)


def _relay(info, inputs, config_dir):
    """SASL towards the relay (TLS is mandatory through the policy table).

    ``secure`` verifies the relay against smtp_tls_CAfile: Postfix reads that file before
    the smtp client enters its chroot (Debian runs it chrooted), while a policy entry's
    ``tafile=`` is opened inside the chroot, where the path does not exist.
    """
    main = info.get("main") or {}
    if inputs.get("relayhost"):
        out = dict(
            zip(
                RELAY_PARAMS,
                (
                    inputs["relayhost"],
                    True,
                    table(info, config_dir, "sasl_passwd"),
                    # without TLS (never, with the policy entry) no plaintext mechanism
                    ["noplaintext", "noanonymous"],
                    ["noanonymous"],
                ),
            )
        )
        if inputs.get("relay_tls_level") == "secure":
            out["smtp_tls_CAfile"] = inputs.get("relay_ca_file") or SYSTEM_CA_FILE
        elif names_own_table(main.get("smtp_sasl_password_maps"), config_dir, "sasl_passwd"):
            out.update(_ca_file_back(main))
        return out
    if names_own_table(main.get("smtp_sasl_password_maps"), config_dir, "sasl_passwd"):
        return dict(dict.fromkeys(RELAY_PARAMS), **_ca_file_back(main))
    return {}


def _ca_file_back(main):
    """The role's relay CA goes back to the system CAs (Debian's default smtp_tls_CAfile)."""
    current = main.get("smtp_tls_CAfile")
    return {"smtp_tls_CAfile": SYSTEM_CA_FILE} if current and current != SYSTEM_CA_FILE else {}


def _sender_binding(info, inputs, config_dir):
    if inputs.get("sender_logins"):
        return {
            "smtpd_sender_login_maps": table(info, config_dir, "sender_logins"),
            "smtpd_sender_restrictions": ["reject_sender_login_mismatch"],
        }
    if _overrides_naming(info, "smtpd_sender_login_maps", config_dir, "sender_logins"):
        return {"smtpd_sender_login_maps": None, "smtpd_sender_restrictions": None}
    return {}


def params(info, inputs):
    config_dir = inputs.get("config_dir", "/etc/postfix")
    profile = inputs.get("profile", "intermediate")
    if profile not in PROFILES:
        raise BaselineError("postfix_hardening_profile must be one of %s, got %r" % (", ".join(PROFILES), profile))
    out = dict(COMMON)
    out.update(PROFILES[profile])
    known = set(inputs.get("known_params") or [])
    out.update((name, value) for name, value in VERSIONED.items() if name in known)
    out["tls_eecdh_auto_curves"] = key_groups(info)
    out.update(
        {
            "smtpd_tls_chain_files": list(inputs.get("chain_files") or []),
            "smtpd_tls_cert_file": "",
            "smtpd_tls_key_file": "",
            "smtpd_tls_eccert_file": None,
            "smtpd_tls_eckey_file": None,
        }
    )
    backend = inputs.get("sasl_backend", "dovecot")
    if backend != "none":
        out.update({"smtpd_sasl_type": backend, "smtpd_sasl_path": inputs.get("sasl_path", "private/auth")})
    out.update(_outbound(info, inputs, tls_policies(inputs), config_dir))
    out.update(_relay(info, inputs, config_dir))
    out.update(inputs.get("extra_params") or {})
    return out


def _split_service(key):
    name, _sep, kind = key.rpartition("/")
    return name, kind


def services(info, inputs):
    config_dir = inputs.get("config_dir", "/etc/postfix")
    overrides = inputs.get("service_overrides") or {}
    sub = dict(SUBMISSION_COMMON)
    sub["smtpd_sasl_auth_enable"] = inputs.get("sasl_backend", "dovecot") != "none"
    sub.update(_sender_binding(info, inputs, config_dir))
    if int(inputs.get("auth_rate_limit") or 0) > 0:
        sub["smtpd_client_auth_rate_limit"] = int(inputs["auth_rate_limit"])
    out = [{"name": "smtp", "type": "inet", "options": dict(PORT25_CLEANUP, **overrides.get("smtp/inet", {}))}]
    for name, port_name, extra in (
        ("submission", "submission", {"syslog_name": "postfix/submission"}),
        ("submissions", "submissions", {"syslog_name": "postfix/submissions", "smtpd_tls_wrappermode": True}),
    ):
        if inputs.get(name + "_enabled", True):
            address = inputs.get(name + "_address") or ""
            options = dict(sub, **extra)
            options.update(overrides.get(name + "/inet", {}))
            out.append(
                {
                    "name": (address + ":" + port_name) if address else port_name,
                    "type": "inet",
                    "private": "n",
                    "command": "smtpd",
                    "options": options,
                }
            )
        else:
            out.append({"name": name, "type": "inet", "state": "absent"})
    postscreen = postscreen_in_front(info)
    for key in sorted(overrides):
        if key in ROLE_SERVICES:
            continue
        name, kind = _split_service(key)
        options = dict(PORT25_CLEANUP) if (postscreen and key == "smtpd/pass") else {}
        options.update(overrides[key])
        out.append({"name": name, "type": kind, "options": options})
    if postscreen and "smtpd/pass" not in overrides:
        out.append({"name": "smtpd", "type": "pass", "options": dict(PORT25_CLEANUP)})
    return out


SERVICE_KEY = re.compile(r"[^\s/]+/(inet|unix|unix-dgram|fifo|pass)")


def input_errors(info, inputs):
    """What argument_specs cannot express, each naming the variable (empty: fine)."""
    errors = []
    live = {"%s/%s" % (svc.get("name"), svc.get("type")) for svc in info.get("services") or []}
    for key in sorted(inputs.get("service_overrides") or {}):
        if not SERVICE_KEY.fullmatch(key):
            errors.append(
                "postfix_hardening_service_overrides: %r is not a master.cf service as name/type "
                "(for example smtpd/pass or submission/inet)." % (key,)
            )
        elif key not in ROLE_SERVICES and key not in live:
            errors.append(
                "postfix_hardening_service_overrides: master.cf has no service %s (services: %s)."
                % (key, ", ".join(sorted(live)) or "none")
            )
    relayhost = inputs.get("relayhost") or ""
    user = inputs.get("relay_username") or ""
    has_password = bool(inputs.get("relay_password_set"))
    if relayhost:
        if not re.fullmatch(r"(\[[^\]\s\[,]+\]|[^\s\[\],:]+)(:[0-9]{1,5})?", relayhost):
            errors.append(
                "postfix_hardening_relayhost: %r is not a relay destination such as [smtp.example.net]:587."
                % (relayhost,)
            )
        if not user or not has_password:
            errors.append(
                "postfix_hardening_relayhost needs postfix_hardening_relay_username and "
                "postfix_hardening_relay_password "
                "(the role relays with SASL authentication only; set an unauthenticated relayhost through "
                "postfix_hardening_extra_params)."
            )
    elif user or has_password:
        errors.append(
            "postfix_hardening_relay_username/postfix_hardening_relay_password are set "
            "but postfix_hardening_relayhost is empty."
        )
    if user and re.search(r"[\s:]", user):
        errors.append("postfix_hardening_relay_username must not contain whitespace or ':'.")
    if inputs.get("relay_password_bad"):
        errors.append(
            "postfix_hardening_relay_password must not contain a line break or start or end with whitespace "
            "(the password map holds it on one line)."
        )
    if inputs.get("relay_ca_file") and inputs.get("relay_tls_level") != "secure":
        errors.append("postfix_hardening_relay_ca_file is used only with postfix_hardening_relay_tls_level=secure.")
    if inputs.get("relay_ca_file") and not str(inputs["relay_ca_file"]).startswith("/"):
        errors.append("postfix_hardening_relay_ca_file must be an absolute path on the server.")
    for login, addresses in sorted((inputs.get("sender_logins") or {}).items()):
        if not re.fullmatch(r"[^\s,:]+", str(login)):
            errors.append(
                "postfix_hardening_sender_logins: login %r must not contain whitespace, ',' or ':'." % (login,)
            )
        if isinstance(addresses, str) or not isinstance(addresses, (list, tuple)) or not addresses:
            errors.append(
                "postfix_hardening_sender_logins[%r] must be a non-empty list of addresses or @domains." % (login,)
            )
            continue
        for address in addresses:
            if not re.fullmatch(r"[^\s,@]*@[^\s,@]+", str(address)):
                errors.append(
                    "postfix_hardening_sender_logins[%r]: %r is not an address (user@domain) or @domain."
                    % (login, address)
                )
    return errors


def build(info, inputs):
    """params, services and the tables of the baseline for this server."""
    errors = input_errors(info, inputs)
    if errors:
        raise BaselineError(" ".join(errors))
    config_dir = inputs.get("config_dir", "/etc/postfix")
    policies = tls_policies(inputs)
    return {
        "params": params(info, inputs),
        "services": services(info, inputs),
        "tables": {
            "tls_policy": dict(table_files(info, config_dir, "tls_policy"), entries=policies, wanted=bool(policies)),
            # entries never here: the password map is rendered by the role (no_log)
            "sasl_passwd": dict(table_files(info, config_dir, "sasl_passwd"), wanted=bool(inputs.get("relayhost"))),
            "sender_logins": dict(
                table_files(info, config_dir, "sender_logins"),
                entries=sender_owners(inputs.get("sender_logins")),
                wanted=bool(inputs.get("sender_logins")),
            ),
        },
        # the role's tables that the live main.cf/master.cf still name but this run switches off
        "switched_off": [
            name
            for name, wanted, live in (
                (
                    "tls_policy",
                    bool(policies),
                    names_own_table((info.get("main") or {}).get("smtp_tls_policy_maps"), config_dir, "tls_policy"),
                ),
                (
                    "sasl_passwd",
                    bool(inputs.get("relayhost")),
                    names_own_table((info.get("main") or {}).get("smtp_sasl_password_maps"), config_dir, "sasl_passwd"),
                ),
                (
                    "sender_logins",
                    bool(inputs.get("sender_logins")),
                    _overrides_naming(info, "smtpd_sender_login_maps", config_dir, "sender_logins"),
                ),
            )
            if live and not wanted
        ],
        "postscreen": postscreen_in_front(info),
        # what preflight asks postconf -d about (known_params)
        "versioned": sorted(VERSIONED),
    }
