# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the policy view assumes of Postfix itself: the parameters whose defaults it
needs, each with the Postfix 3.7 value used when postconf is missing, the
deprecated parameters and their replacements, the TLS protocol names and the
well-known service ports. Constants only (and one lookup over them), stdlib only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

KNOWN_PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
MODERN_PROTOCOLS = ("TLSv1.2", "TLSv1.3")

# Well-known service names used in master.cf's first column.
SERVICE_PORTS = {
    "smtp": 25,
    "submission": 587,
    "submissions": 465,
    "smtps": 465,
    "urd": 465,
    "lmtp": 24,
}

# Parameters whose defaults the view needs, each with its fallback. The module
# asks ``postconf -d`` for exactly these names (DEFAULT_NAMES) so the result
# reflects the installed version. The fallback is the Postfix 3.7 default, used
# only when postconf is missing (``source: files``) so the view is still
# complete; None: no fallback, the parameter is then unset (FALLBACK_DEFAULTS
# leaves it out).
PARAMETER_FALLBACKS = {
    "mail_version": "",
    "compatibility_level": "0",
    "myhostname": None,
    "mydomain": None,
    "data_directory": None,
    "disable_vrfy_command": "no",
    "smtpd_tls_security_level": "",
    "smtpd_use_tls": "no",
    "smtpd_enforce_tls": "no",
    "smtpd_tls_wrappermode": "no",
    "smtpd_tls_protocols": ">=TLSv1",
    "smtpd_tls_mandatory_protocols": ">=TLSv1",
    "smtpd_tls_ciphers": "medium",
    "smtpd_tls_mandatory_ciphers": "medium",
    "smtpd_tls_exclude_ciphers": "",
    "smtpd_tls_mandatory_exclude_ciphers": "",
    "smtpd_tls_ask_ccert": "no",
    "smtpd_tls_req_ccert": "no",
    "smtpd_tls_auth_only": "no",
    "smtpd_tls_cert_file": None,
    "smtpd_tls_key_file": "$smtpd_tls_cert_file",
    "smtpd_tls_eccert_file": None,
    "smtpd_tls_eckey_file": "$smtpd_tls_eccert_file",
    "smtpd_tls_dcert_file": None,
    "smtpd_tls_dkey_file": "$smtpd_tls_dcert_file",
    "smtpd_tls_chain_files": None,
    "smtpd_sasl_auth_enable": "no",
    "smtpd_sasl_security_options": "noanonymous",
    "smtpd_sasl_tls_security_options": "$smtpd_sasl_security_options",
    "smtpd_sasl_type": "cyrus",
    "smtpd_sasl_path": "smtpd",
    "queue_directory": "/var/spool/postfix",
    "smtpd_client_restrictions": "",
    "smtpd_helo_restrictions": "",
    "smtpd_sender_restrictions": "",
    "smtpd_relay_restrictions": (
        "${{$compatibility_level} <level {1} ? {} : "
        "{permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}"
    ),
    "smtpd_recipient_restrictions": "",
    "smtpd_sender_login_maps": "",
    "smtp_tls_security_level": "",
    "smtp_use_tls": "no",
    "smtp_enforce_tls": "no",
    "smtp_tls_protocols": ">=TLSv1",
    "smtp_tls_mandatory_protocols": ">=TLSv1",
    "smtp_tls_ciphers": "medium",
    "smtp_tls_mandatory_ciphers": "medium",
    "smtp_tls_exclude_ciphers": None,
    "smtp_tls_mandatory_exclude_ciphers": None,
    "smtp_tls_policy_maps": None,
    "smtp_tls_cert_file": None,
    "smtp_tls_key_file": "$smtp_tls_cert_file",
    "smtp_tls_chain_files": None,
    "tls_high_cipherlist": "aNULL:-aNULL:HIGH:@STRENGTH",
    "tls_medium_cipherlist": "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
    "tls_low_cipherlist": None,
    "tls_export_cipherlist": None,
    "tls_null_cipherlist": None,
    # key-exchange groups (tls_ffdhe_auto_groups: Postfix 3.8+) and DNSSEC for DANE
    "tls_eecdh_auto_curves": "X25519 X448 prime256v1 secp521r1 secp384r1",
    # None: Postfix 3.7 does not know it (the view reports None for it)
    "tls_ffdhe_auto_groups": None,
    "smtp_dns_support_level": "",
    # the smtp client's SASL towards a relayhost
    "relayhost": "",
    "smtp_sasl_auth_enable": "no",
    "smtp_sasl_password_maps": "",
    "smtp_sasl_security_options": "noplaintext, noanonymous",
    "smtp_sasl_tls_security_options": "$smtp_sasl_security_options",
}

# The names ``postconf -d`` is asked for, in this order.
DEFAULT_NAMES = tuple(PARAMETER_FALLBACKS)

# The defaults the view works with when postconf is missing.
FALLBACK_DEFAULTS = dict((name, value) for name, value in PARAMETER_FALLBACKS.items() if value is not None)

# Parameters that are obsolete or overridden by newer ones (postconf(5);
# postconf warns about several of them from Postfix 3.9 on).
DEPRECATED_PARAMETERS = {
    "smtpd_use_tls": "smtpd_tls_security_level",
    "smtpd_enforce_tls": "smtpd_tls_security_level",
    "smtp_use_tls": "smtp_tls_security_level",
    "smtp_enforce_tls": "smtp_tls_security_level",
    "lmtp_use_tls": "lmtp_tls_security_level",
    "lmtp_enforce_tls": "lmtp_tls_security_level",
    "smtpd_tls_dh1024_param_file": "(nothing: OpenSSL 3 selects the DH group)",
    "smtpd_tls_dh512_param_file": "(nothing: export ciphers are gone)",
    "smtpd_tls_eecdh_grade": "tls_eecdh_auto_curves / tls_ffdhe_auto_groups",
    "smtp_tls_per_site": "smtp_tls_policy_maps",
    "smtp_tls_enforce_peername": "smtp_tls_security_level",
}


def deprecated_in(layer):
    """The deprecated parameters a layer (main.cf, a service's -o overrides) sets, sorted."""
    return sorted(name for name in layer if name in DEPRECATED_PARAMETERS)
