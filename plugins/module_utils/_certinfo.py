# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate facts from ``openssl`` command output.

Pure parsing: the module runs ``openssl x509 -noout -text``,
``openssl x509 -noout -pubkey`` and ``openssl pkey -pubout`` and hands the text
here. Only public material is parsed; private key text never passes through.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

_DATE_FORMAT = "%b %d %H:%M:%S %Y"
# The labels Postfix and openssl x509 accept for a certificate. The body is matched
# with explicit ASCII characters, so what is handed to openssl is plain base64.
_CERT_BEGIN_RE = re.compile(r"-----BEGIN (X509 )?CERTIFICATE-----")
_CERT_BODY = r"[\r\n]+[A-Za-z0-9+/=\r\n\t ]*"
_CERT_BLOCK_RE = re.compile(
    r"-----BEGIN CERTIFICATE-----%s-----END CERTIFICATE-----"
    r"|-----BEGIN X509 CERTIFICATE-----%s-----END X509 CERTIFICATE-----" % (_CERT_BODY, _CERT_BODY)
)


def first_certificate_pem(text):
    """The first PEM certificate block of a file's text (the leaf of a chain), or None.

    None when there is no certificate, or when the first one is not well-formed PEM:
    openssl and Postfix stop at that one too, they do not skip to the next.
    """
    begin = _CERT_BEGIN_RE.search(text or "")
    if begin is None:
        return None
    block = _CERT_BLOCK_RE.match(text, begin.start())
    return block.group(0) + "\n" if block else None


def _field(text, label):
    match = re.search(r"^\s*%s\s*:\s*(.*)$" % re.escape(label), text, re.M)
    return match.group(1).strip() if match else None


def _extension_value(text, name):
    """First line after an ``X509v3 <name>:`` header."""
    match = re.search(r"^\s*X509v3 %s:.*\n\s*(.+)$" % re.escape(name), text, re.M)
    return match.group(1).strip() if match else None


def parse_openssl_date(value):
    """``Dec  8 01:00:47 2026 GMT`` -> naive UTC datetime (None if unparsable)."""
    if not value:
        return None
    cleaned = " ".join(value.replace("GMT", "").split())
    try:
        return datetime.datetime.strptime(cleaned, _DATE_FORMAT)
    except ValueError:
        return None


def _common_name(subject):
    """CN from an OpenSSL 3 one-line subject (``C = DE, O = "x, y", CN = a``)."""
    if not subject:
        return None
    match = re.search(r'(?:^|,\s*)CN\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*)', subject)
    if not match:
        return None
    return match.group(1).strip().strip('"')


def parse_x509_text(text, now=None):
    """Facts from ``openssl x509 -noout -text`` output.

    ``now`` (naive UTC datetime) makes ``days_left`` deterministic in tests.
    """
    subject = _field(text, "Subject")
    issuer = _field(text, "Issuer")
    not_after_raw = _field(text, "Not After")
    not_after = parse_openssl_date(not_after_raw)
    not_before_raw = _field(text, "Not Before")
    not_before = parse_openssl_date(not_before_raw)
    algorithm = _field(text, "Public Key Algorithm") or ""
    bits_match = re.search(r"Public-Key:\s*\((\d+) bit\)", text)
    key_bits = int(bits_match.group(1)) if bits_match else None
    lowered = algorithm.lower()
    if "rsa" in lowered:
        key_type = "RSA"
    elif lowered == "id-ecpublickey":
        key_type = "EC"
    else:
        key_type = algorithm.upper() or None
    sans = []
    san_line = _extension_value(text, "Subject Alternative Name")
    if san_line:
        for raw in san_line.split(","):
            item = raw.strip()
            if item.startswith("DNS:"):
                sans.append(item[4:].strip())
    ski = _extension_value(text, "Subject Key Identifier")
    aki = _extension_value(text, "Authority Key Identifier")
    if aki and aki.lower().startswith("keyid:"):
        aki = aki[6:].strip()
    self_signed = bool(subject) and subject == issuer and (not aki or not ski or aki == ski)
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    days_left = None
    if not_after is not None:
        days_left = int((not_after - now).total_seconds() // 86400)
    return {
        "subject": subject,
        "common_name": _common_name(subject),
        "issuer": issuer,
        "sans": sans,
        "self_signed": self_signed,
        "not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ") if not_after else not_after_raw,
        "days_left": days_left,
        "expired": days_left is not None and not_after < now,
        "not_before": not_before.strftime("%Y-%m-%dT%H:%M:%SZ") if not_before else not_before_raw,
        # Clients that verify reject a certificate before its start date as they reject an expired one.
        "not_yet_valid": not_before is not None and now < not_before,
        "key_type": key_type,
        "key_bits": key_bits,
    }


def names_for_matching(facts):
    """DNS names a TLS client compares: SANs when present, else the CN (RFC 6125)."""
    if facts.get("sans"):
        return list(facts["sans"])
    return [facts["common_name"]] if facts.get("common_name") else []


def name_matches(pattern, hostname):
    """RFC 6125 matching: a ``*`` wildcard stands for exactly one whole label.

    ``*.example.com`` covers ``mx.example.com`` but neither ``example.com`` nor
    ``a.b.example.com``.
    """
    if not pattern or not hostname:
        return False
    pattern = pattern.lower().rstrip(".")
    hostname = hostname.lower().rstrip(".")
    if not pattern.startswith("*."):
        return pattern == hostname
    p_labels = pattern.split(".")
    h_labels = hostname.split(".")
    if len(p_labels) != len(h_labels) or len(p_labels) < 3:
        return False
    return h_labels[0] != "" and p_labels[1:] == h_labels[1:]


def covers_hostname(facts, hostname):
    return any(name_matches(name, hostname) for name in names_for_matching(facts))


def _pem_body(text):
    lines = [line.strip() for line in (text or "").splitlines()]
    body = [line for line in lines if line and not line.startswith("-----")]
    return "".join(body)


def public_keys_match(cert_pubkey_pem, key_pubkey_pem):
    """Compare the SubjectPublicKeyInfo of the certificate and of the key."""
    cert_body, key_body = _pem_body(cert_pubkey_pem), _pem_body(key_pubkey_pem)
    if not cert_body or not key_body:
        return None
    return cert_body == key_body


def checkhost_verdict(text, hostname):
    """What ``openssl x509 -checkhost <hostname>`` said: True, False, or None when it said nothing.

    OpenSSL matches the names as TLS clients do (X509_check_host), from the DER. The text
    form of the SANs cannot be trusted for that: a dNSName of ``evil.example, DNS:mx.example.org``
    prints exactly like two names.
    """
    if not hostname:
        return None
    lines = (text or "").splitlines()
    if "Hostname %s does match certificate" % hostname in lines:
        return True
    if "Hostname %s does NOT match certificate" % hostname in lines:
        return False
    return None


def certificate_facts(x509_text, hostname, cert_pubkey_pem=None, key_pubkey_pem=None, now=None):
    """All facts the findings need for one certificate.

    When ``x509_text`` carries the verdict of ``-checkhost hostname``, that verdict decides
    ``covers_hostname``; otherwise the printed names are compared (RFC 6125).
    """
    facts = parse_x509_text(x509_text, now=now)
    facts["hostname"] = hostname
    verdict = checkhost_verdict(x509_text, hostname)
    facts["covers_hostname"] = covers_hostname(facts, hostname) if verdict is None else verdict
    facts["key_matches"] = public_keys_match(cert_pubkey_pem, key_pubkey_pem)
    return facts
