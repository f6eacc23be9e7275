# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each hardening profile expects, defined once.

Two readers: the role's baseline (``plugins/plugin_utils/_baseline.py``, what the role
writes) and the audit's finding rules (``_finding_rules_*.py``, what a server is judged
against). A fact both need lives here, so the role never writes what the audit reports.
Pure data, standard library only.
"""

PROFILES = ("interop", "intermediate", "modern")

# TLS protocol versions, oldest first, as Postfix's *_protocols parameters name them.
PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
# The oldest protocol no profile calls weak; everything before it is legacy.
SAFE_FLOOR = "TLSv1.2"
LEGACY_PROTOCOLS = PROTOCOLS[: PROTOCOLS.index(SAFE_FLOOR)]

# The oldest protocol each profile allows, per kind of connection:
#   opportunistic       port 25 at level may (smtpd_tls_protocols). interop keeps Postfix's default
#                       >=TLSv1: a peer refused there falls back to plaintext, which is worse.
#   mandatory           the submission listeners 587/465 (smtpd_tls_mandatory_protocols).
#   outbound            the smtp client at level may (smtp_tls_protocols); None: Postfix's default.
#   outbound_mandatory  destinations with a mandatory level (smtp_tls_mandatory_protocols).
MIN_PROTOCOL = {
    "interop": {
        "opportunistic": "TLSv1",
        "mandatory": SAFE_FLOOR,
        "outbound": None,
        "outbound_mandatory": SAFE_FLOOR,
    },
    "intermediate": {
        "opportunistic": SAFE_FLOOR,
        "mandatory": SAFE_FLOOR,
        "outbound": None,
        "outbound_mandatory": SAFE_FLOOR,
    },
    "modern": {
        "opportunistic": SAFE_FLOOR,
        "mandatory": "TLSv1.3",
        "outbound": SAFE_FLOOR,
        "outbound_mandatory": SAFE_FLOOR,
    },
}

# Anonymous and null cipher suites: every profile excludes them on smtpd (the cipher grades
# start with aNULL by design); modern also drops kRSA and the non-AEAD MACs on port 25.
ANONYMOUS_EXCLUDE = ("aNULL", "eNULL")
EXCLUDE_CIPHERS = {
    "interop": ANONYMOUS_EXCLUDE,
    "intermediate": ANONYMOUS_EXCLUDE,
    "modern": (*ANONYMOUS_EXCLUDE, "kRSA", "SHA1", "SHA256", "SHA384"),
}

# Key-exchange groups (tls_eecdh_auto_curves), the same for every profile: Mozilla's
# intermediate and modern list, and the hybrid post-quantum group where Postfix 3.10+ runs
# on OpenSSL 3.5+. FFDHE groups stay at Postfix's default.
KEY_GROUPS = ("X25519", "prime256v1", "secp384r1")
HYBRID_GROUP = "X25519MLKEM768"
FFDHE_GROUPS = ("ffdhe2048", "ffdhe3072")

# RSA certificate keys: below 2048 bits is breakable under every profile; modern asks for more.
BREAKABLE_RSA_BITS = 2048
MIN_RSA_BITS = {"interop": 2048, "intermediate": 2048, "modern": 3072}


def min_protocol(profile, kind):
    """The oldest protocol ``profile`` allows on ``kind`` (a key of MIN_PROTOCOL's entries), or None."""
    return MIN_PROTOCOL[profile][kind]


def at_least(profile, kind):
    """The *_protocols value for ``kind`` under ``profile`` (``>=TLSv1.2``), or None for Postfix's default."""
    minimum = min_protocol(profile, kind)
    return ">=" + minimum if minimum else None


def allows_legacy(profile, kind):
    """Whether ``profile`` accepts legacy protocols (TLS 1.0/1.1) on ``kind`` on purpose."""
    minimum = min_protocol(profile, kind)
    return minimum is None or minimum in LEGACY_PROTOCOLS
