# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding rules over one certificate that postfix_info inspected.

The subject is an entry of ``postfix_info.certificates``: its path, the parameters and
services that use it (``used_by``), and what openssl read (names, issuer, dates, key). A
certificate that could not be inspected raises cert_unreadable and nothing else. The
name, issuer and key-pair rules speak per audited listener that serves the certificate;
expiry and key strength once per certificate. Pure, standard library only.
"""

from ansible_collections.mailsec.postfix.plugins.module_utils import _profiles
from ansible_collections.mailsec.postfix.plugins.module_utils._finding_rule import Rule, is_public_smtp, label

EXPIRY_WARNING_DAYS = 30
EXPIRY_URGENT_DAYS = 7
MIN_EC_BITS = 256


def _served(cert, ctx):
    """(service, listener) for each audited listener that uses the certificate."""
    for service in cert.get("used_by") or []:
        lst = ctx.by_name.get(service)  # audited listeners only: none bound to loopback alone
        if lst is not None:
            yield service, lst


def _per_listener(cert, ctx, facts):
    """One hit per serving listener, with the facts ``facts(listener)`` returns."""
    if cert.get("error"):
        return []
    return [dict({"service": service, "label": label(lst)}, **facts(lst)) for service, lst in _served(cert, ctx)]


def _cert_unreadable(cert, ctx):
    if not cert.get("error"):
        return []
    error = str(cert["error"]).rstrip(".")
    return [{"service": service, "error": error} for service in cert.get("used_by") or []]


def _cert_name_mismatch(cert, ctx):
    if cert.get("covers_hostname") is not False:
        return []
    return _per_listener(
        cert,
        ctx,
        lambda lst: {
            "names": ", ".join(cert.get("sans") or []) or cert.get("common_name") or "(none)",
            "hostname": cert.get("hostname"),
        },
    )


def _cert_self_signed(cert, ctx):
    if not cert.get("self_signed"):
        return []
    return _per_listener(
        cert,
        ctx,
        lambda lst: {"case": "public" if is_public_smtp(lst) else "submission", "subject": cert.get("subject")},
    )


def _cert_key_mismatch(cert, ctx):
    if cert.get("key_matches") is not False:
        return []
    return _per_listener(cert, ctx, lambda lst: {"key_path": cert.get("key_path")})


def _consumers(cert):
    """The service of a finding about the certificate itself: every service that uses it."""
    return ", ".join(cert.get("used_by") or [])


def _cert_expiring(cert, ctx):
    if cert.get("error"):
        return None
    service = _consumers(cert)
    days = cert.get("days_left")
    if days is None or days >= EXPIRY_WARNING_DAYS:
        return None
    expired = cert.get("expired") or days < 0
    return {
        "service": service,
        "case": "urgent" if expired or days < EXPIRY_URGENT_DAYS else "soon",
        "state": "has expired" if expired else "expires in %d days" % days,
        "not_after": cert.get("not_after"),
    }


def _weak_key(cert, ctx):
    if cert.get("error"):
        return None
    service = _consumers(cert)
    bits = cert.get("key_bits") or 0
    key_type = cert.get("key_type")
    if key_type == "RSA" and bits < _profiles.BREAKABLE_RSA_BITS:
        case = "breakable"
    elif key_type == "RSA" and bits < _profiles.MIN_RSA_BITS[ctx.profile]:
        case = "below_profile"
    elif key_type == "EC" and bits and bits < MIN_EC_BITS:
        case = "breakable"
    else:
        return None
    if case == "breakable":
        why = "below %d bits is breakable" % _profiles.BREAKABLE_RSA_BITS
    else:
        why = "the %s profile asks for RSA >= %d or ECDSA P-256" % (ctx.profile, _profiles.MIN_RSA_BITS[ctx.profile])
    return {"case": case, "service": service, "key_type": key_type, "bits": bits, "why": why}


RULES = (
    Rule(
        "cert_unreadable",
        "certificate",
        "medium",
        _cert_unreadable,
        "Certificate %(path)s could not be inspected: %(error)s.",
        "check %(params)s (%(path)s): the file must exist and be a PEM certificate readable by root",
        title="A configured certificate could not be inspected",
        help="The file must exist and be a PEM certificate readable by root.",
    ),
    Rule(
        "cert_name_mismatch",
        "certificate",
        # medium everywhere: a name mismatch is reported, never a reason to replace an
        # operator's certificate or to stop a hardening run (issue: auto mode keeps it)
        "medium",
        _cert_name_mismatch,
        "Certificate %(path)s for %(label)s names %(names)s but myhostname is %(hostname)s. "
        "A wildcard covers exactly one label (*.example.com covers mx.example.com, not example.com); "
        "verifying peers (MTA-STS, 'secure' policies, mail clients) reject the name.",
        "issue a certificate whose subjectAltName includes %(hostname)s (the MX/submission host name) "
        "and set main.cf: smtpd_tls_chain_files = <key>, <fullchain>; "
        "or set main.cf: myhostname = a name the certificate covers",
        title="The certificate does not cover myhostname",
        help=(
            "Verifying peers (MTA-STS, 'secure' policies, mail clients) reject the name. Issue a certificate whose "
            "subjectAltName includes the host name, or set myhostname to a name it covers."
        ),
    ),
    Rule(
        "cert_self_signed",
        "certificate",
        # port 25 peers encrypt opportunistically and accept it; submission clients verify
        {"public": "info", "submission": "medium"},
        _cert_self_signed,
        "Certificate %(path)s for %(label)s is self-signed (issuer = subject %(subject)s). "
        "Opportunistic SMTP peers accept it, but MTA-STS and clients that verify cannot; "
        "give known clients a private CA or use a public CA.",
        "main.cf: smtpd_tls_chain_files = <key>, <leaf + intermediates from a public (ACME) or private CA>",
        title="The certificate is self-signed",
        help="MTA-STS and verifying clients cannot trust it. Use a private CA known to the clients or a public CA.",
    ),
    Rule(
        "cert_key_mismatch",
        "certificate",
        "high",
        _cert_key_mismatch,
        "The private key %(key_path)s does not belong to certificate %(path)s: the TLS handshake fails for %(label)s.",
        "point %(params)s and its key parameter at the matching pair (or use smtpd_tls_chain_files = key, cert)",
        title="The private key does not belong to the certificate",
        help="The TLS handshake fails. Point the certificate and key parameters at the matching pair.",
    ),
    Rule(
        "cert_expiring",
        "certificate",
        {"urgent": "high", "soon": "medium"},
        _cert_expiring,
        "Certificate %(path)s %(state)s (not after %(not_after)s).",
        "renew %(path)s and reload Postfix (%(params)s)",
        title="The certificate has expired or expires within 30 days",
        help="Renew the certificate and reload Postfix.",
    ),
    Rule(
        "weak_key",
        "certificate",
        {"breakable": "high", "below_profile": "low"},
        _weak_key,
        "Certificate %(path)s uses a %(key_type)s-%(bits)d key; %(why)s.",
        "main.cf: smtpd_tls_chain_files = <ECDSA P-256 key>, <cert>, <RSA-3072 key>, <cert>",
        title="The certificate key is weak",
        help="Use ECDSA P-256 and/or RSA of at least 2048 bits (3072 for the modern profile).",
    ),
)
