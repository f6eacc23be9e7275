# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS and policy records a hardened Postfix server should publish.

Pure functions: text in, text out. Used by the controller-side filters
``tlsa_record``, ``mta_sts_policy``, ``tlsrpt_record`` and
``submission_srv_records``; they never touch DNS.

- TLSA (RFC 6698, RFC 7671, RFC 7672 for SMTP): record data from a PEM
  certificate (chain: the leaf, i.e. the first certificate), public key or
  private key. Needs the ``cryptography`` library, which ansible-core already
  depends on on the controller; its absence is reported only when a TLSA
  record is requested.
- MTA-STS (RFC 8461): policy file text and the ``_mta-sts`` TXT record, plus
  a parser for policy text.
- TLS-RPT (RFC 8460): the ``_smtp._tls`` TXT record.
- SRV for mail submission (RFC 6186, RFC 8314).

All errors are raised as ``DnsRecordError`` (a ``ValueError``) with a message
that names the offending input; callers translate it into their own error
type (for example ``AnsibleFilterError``).
"""

import hashlib
import re
import traceback
from collections import namedtuple

from ansible.module_utils.parsing.convert_bool import boolean

try:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None


class DnsRecordError(ValueError):
    """Bad input for a DNS or policy record; the message names the problem."""


# --------------------------------------------------------------------- common

_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_MAX_TTL = 2147483647  # RFC 2181 section 8


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _to_int(value, what):
    """Accept an int or a decimal string (Jinja often hands over strings)."""
    if _is_int(value):
        return value
    if isinstance(value, str) and re.match(r"^\s*[0-9]+\s*$", value):
        return int(value)
    raise DnsRecordError(f"{what} must be an integer, got {value!r}")


def normalize_hostname(value, what="host name", allow_wildcard=False):
    """Return ``value`` as a lower-case host name without the trailing dot.

    Letters, digits and hyphens only (RFC 1123 / RFC 5321 ``Domain``), at
    least two labels, a non-numeric top-level label (an IP address is not a
    host name). With ``allow_wildcard`` the leftmost label may be ``*``.
    """
    if not isinstance(value, str) or not value.strip():
        raise DnsRecordError(f"{what} must be a non-empty string, got {value!r}")
    labels = value.strip().lower().split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # the root label of an absolute name
    name = ".".join(labels)
    if len(name) > 253:
        raise DnsRecordError(f"{what} {value!r} is longer than 253 characters")
    check = labels[1:] if allow_wildcard and labels[0] == "*" else labels
    if len(check) < 2:
        raise DnsRecordError(
            "{} {!r} is not a fully qualified host name (needs at least two labels{})".format(
                what, value, " after '*.'" if check is not labels else ""
            )
        )
    for label in check:
        if not _LABEL_RE.match(label):
            hint = ""
            if "*" in label:
                hint = (
                    "; a wildcard must be the whole leftmost label, as in *.example.com"
                    if allow_wildcard
                    else "; wildcards are not allowed here"
                )
            raise DnsRecordError(
                f"{what} {value!r} has an invalid label {label!r} (letters, digits and inner hyphens only, "
                f"1-63 characters{hint})"
            )
    if check[-1].isdigit():
        raise DnsRecordError(f"{what} {value!r} looks like an IP address, not a host name")
    return name


def _fqdn(name):
    return name + "."


def _ttl_field(ttl):
    """The TTL column of a zone line ('' when no TTL is given)."""
    if ttl is None or ttl == "":
        return ""
    value = _to_int(ttl, "ttl")
    if not 0 <= value <= _MAX_TTL:
        raise DnsRecordError(f"ttl must be between 0 and {_MAX_TTL}, got {ttl!r}")
    return f"{value} "


def zone_line(owner, rrtype, rdata, ttl=None):
    """``<owner>. [<ttl> ]IN <type> <rdata>`` for a zone file."""
    return f"{_fqdn(owner)} {_ttl_field(ttl)}IN {rrtype} {rdata}"


def txt_rdata(value):
    """Quote a TXT value, split into 255-octet character-strings if needed."""
    data = value.encode("utf-8")
    if b'"' in data or b"\\" in data:
        raise DnsRecordError(f"TXT value must not contain quotes or backslashes: {value!r}")
    chunks = [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
    return " ".join('"{}"'.format(chunk.decode("utf-8")) for chunk in chunks)


# ----------------------------------------------------------------------- TLSA

# RFC 6698 numbers and the RFC 7218 mnemonics for them.
TLSA_USAGES = {"pkix-ta": 0, "pkix-ee": 1, "dane-ta": 2, "dane-ee": 3}
TLSA_SELECTORS = {"cert": 0, "spki": 1}
TLSA_MATCHING_TYPES = {"full": 0, "sha2-256": 1, "sha2-512": 2}

_PEM_BLOCK_RE = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----\s.*?-----END \1-----",
    re.DOTALL,
)
_CERT_LABELS = ("CERTIFICATE", "X509 CERTIFICATE")
_PUBLIC_KEY_LABELS = ("PUBLIC KEY", "RSA PUBLIC KEY")
_PRIVATE_KEY_LABELS = (
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
)


def _tlsa_field(value, table, what):
    if isinstance(value, str) and value.strip().lower() in table:
        return table[value.strip().lower()]
    try:
        number = _to_int(value, what)
    except DnsRecordError:
        number = None
    if number is None or number not in table.values():
        choices = ", ".join(f"{n} ({name.upper()})" for name, n in sorted(table.items(), key=lambda i: i[1]))
        raise DnsRecordError(f"unknown TLSA {what} {value!r}; expected one of {choices}")
    return number


def tlsa_usage(value):
    """Certificate usage as a number: 0-3 or an RFC 7218 mnemonic (DANE-EE)."""
    return _tlsa_field(value, TLSA_USAGES, "usage")


def tlsa_selector(value):
    """Selector as a number: 0 (full certificate) or 1 (SubjectPublicKeyInfo)."""
    return _tlsa_field(value, TLSA_SELECTORS, "selector")


def tlsa_matching_type(value):
    """Matching type as a number: 0 (full), 1 (SHA-256) or 2 (SHA-512)."""
    return _tlsa_field(value, TLSA_MATCHING_TYPES, "matching type")


def _require_cryptography():
    if not HAS_CRYPTOGRAPHY:
        raise DnsRecordError(
            "the Python 'cryptography' library is required on the controller to compute "
            "TLSA records; install it next to ansible-core (pip install cryptography). "
            f"Import error: {CRYPTOGRAPHY_IMPORT_ERROR}"
        )


def _pem_text(pem):
    if isinstance(pem, bytes):
        try:
            pem = pem.decode("ascii")
        except UnicodeDecodeError:
            raise DnsRecordError("input is not PEM text (binary data; DER is not accepted)") from None
    if not isinstance(pem, str):
        raise DnsRecordError(f"input must be PEM text (a string), got {type(pem).__name__}")
    return pem


def pem_blocks(pem):
    """All PEM blocks in ``pem`` as ``(label, block_text)`` pairs, in order."""
    text = _pem_text(pem)
    return [(m.group(1), m.group(0)) for m in _PEM_BLOCK_RE.finditer(text)]


def _load_pem(pem):
    """Return ``(certificate or None, public key)`` from PEM text.

    A certificate wins over keys, and the first certificate wins over the
    rest of the chain: in a chain file (Postfix ``smtpd_tls_chain_files``
    puts the key first, then leaf, then intermediates) the leaf is the first
    certificate.
    """
    blocks = pem_blocks(pem)
    if not blocks:
        raise DnsRecordError(
            "input is not PEM: no '-----BEGIN CERTIFICATE-----', '-----BEGIN PUBLIC KEY-----' "
            "or '-----BEGIN PRIVATE KEY-----' block found"
        )
    _require_cryptography()
    for label, block in blocks:
        if label in _CERT_LABELS:
            try:
                cert = x509.load_pem_x509_certificate(block.encode("ascii"))
            except (ValueError, UnsupportedAlgorithm) as exc:
                raise DnsRecordError(f"the first PEM certificate cannot be parsed: {exc}") from exc
            return cert, cert.public_key()
    for label, block in blocks:
        if label in _PUBLIC_KEY_LABELS:
            try:
                return None, serialization.load_pem_public_key(block.encode("ascii"))
            except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
                raise DnsRecordError(f"the PEM public key cannot be parsed: {exc}") from exc
        if label in _PRIVATE_KEY_LABELS or label == "ENCRYPTED PRIVATE KEY":
            # Never echo the key or library messages that might quote it.
            if label == "ENCRYPTED PRIVATE KEY" or re.search(r"^Proc-Type:.*ENCRYPTED", block, re.MULTILINE):
                raise DnsRecordError("the PEM private key is encrypted; pass the certificate or the public key instead")
            try:
                key = serialization.load_pem_private_key(block.encode("ascii"), password=None)
            except (ValueError, TypeError, UnsupportedAlgorithm):
                raise DnsRecordError("the PEM private key cannot be parsed") from None
            return None, key.public_key()
    raise DnsRecordError(
        "no certificate or key in the PEM input (found only: {})".format(
            ", ".join(sorted({label for label, _block in blocks}))
        )
    )


# The same floor as the weak_key finding: RSA below 2048 bits and elliptic curves below
# 256 bits are breakable or deprecated; DSA is gone from TLS 1.3 and from Postfix's advice.
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
WEAK_KEY_CHOICES = ("fail", "omit")


def weak_key_reason(public_key):
    """Why a public key is too weak to publish in a TLSA record, or None when it is not."""
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < MIN_RSA_BITS:
        return f"the key is RSA-{public_key.key_size}; RSA keys below {MIN_RSA_BITS} bits are breakable"
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.key_size < MIN_EC_BITS:
        return (
            f"the key is on the {public_key.curve.name} curve ({public_key.curve.key_size} bits); "
            f"curves below {MIN_EC_BITS} bits are too weak"
        )
    if isinstance(public_key, dsa.DSAPublicKey):
        return f"the key is DSA-{public_key.key_size}; DSA is obsolete (TLS 1.3 has no DSA signatures)"
    return None


def _check_strength(public_key):
    reason = weak_key_reason(public_key)
    if reason:
        raise DnsRecordError(
            f"{reason}. A TLSA record would pin a key that must be replaced: issue an ECDSA P-256 or RSA-3072 "
            "key and certificate, then publish the record for the new key"
        )


def tlsa_association_data(pem, selector=1, matching=1):
    """The certificate association data of a TLSA record, as lower-case hex.

    A weak key (see weak_key_reason) is refused with DnsRecordError.
    """
    selector = tlsa_selector(selector)
    matching = tlsa_matching_type(matching)
    cert, public_key = _load_pem(pem)
    _check_strength(public_key)
    if selector == 0:
        if cert is None:
            raise DnsRecordError(
                "TLSA selector 0 (full certificate) needs a certificate, but the input holds only a key; "
                "use selector 1 (SPKI) or pass the certificate"
            )
        data = cert.public_bytes(serialization.Encoding.DER)
    else:
        data = public_key.public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    if matching == 1:
        return hashlib.sha256(data).hexdigest()
    if matching == 2:
        return hashlib.sha512(data).hexdigest()
    return data.hex()


def tlsa_rdata(pem, usage=3, selector=1, matching=1):
    """TLSA record data ``<usage> <selector> <matching> <hex>``, e.g. ``3 1 1 ab12...``.

    ``pem`` is a PEM certificate (a chain: the first certificate is used),
    public key or unencrypted private key. For usages 0 and 2 (CA
    constraints) pass the CA certificate itself.
    """
    usage = tlsa_usage(usage)
    selector = tlsa_selector(selector)
    matching = tlsa_matching_type(matching)
    data = tlsa_association_data(pem, selector, matching)
    return f"{usage} {selector} {matching} {data}"


def tlsa_owner(host, port=25, protocol="tcp"):
    """Owner name ``_<port>._<protocol>.<host>`` (no trailing dot)."""
    name = normalize_hostname(host, "TLSA host")
    port_number = _to_int(port, "port")
    if not 1 <= port_number <= 65535:
        raise DnsRecordError(f"port must be between 1 and 65535, got {port!r}")
    if protocol not in ("tcp", "udp", "sctp"):
        raise DnsRecordError(f"protocol must be tcp, udp or sctp, got {protocol!r}")
    return f"_{port_number}._{protocol}.{name}"


def tlsa_record(pem, *, usage=3, selector=1, matching=1, host=None, port=25, ttl=None, protocol="tcp", weak_key="fail"):
    """TLSA record data, or the whole zone line when ``host`` is given.

    ``_25._tcp.mail.example.org. 3600 IN TLSA 3 1 1 <hex>`` (TTL column only
    when ``ttl`` is given). A weak key raises DnsRecordError, or gives ``""``
    with ``weak_key="omit"`` (for a list of keys where the weak ones are
    reported elsewhere, as the weak_key finding).
    """
    if weak_key not in WEAK_KEY_CHOICES:
        raise DnsRecordError(f"weak_key must be one of {', '.join(WEAK_KEY_CHOICES)}, got {weak_key!r}")
    if weak_key == "omit":
        _require_cryptography()
        if weak_key_reason(_load_pem(pem)[1]):
            return ""
    if host is None or host == "":
        if ttl not in (None, ""):
            _ttl_field(ttl)  # still validate it, so mistakes surface early
        return tlsa_rdata(pem, usage, selector, matching)
    owner = tlsa_owner(host, port, protocol)
    return zone_line(owner, "TLSA", tlsa_rdata(pem, usage, selector, matching), ttl)


# -------------------------------------------------------------------- MTA-STS

MTA_STS_MODES = ("enforce", "testing", "none")
MTA_STS_MAX_AGE_LIMIT = 31557600  # RFC 8461 section 3.2: about one year
MTA_STS_ENFORCE_MIN_AGE = 604800  # one week: RFC 8461 section 10 (recommended minimum)
_STS_ID_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")
_STS_FIELD_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):[ \t]*(.*?)[ \t]*$")
MTA_STS_ID_LENGTH = 20

MtaStsPolicy = namedtuple("MtaStsPolicy", "version mode mx max_age fields line_ending")
MtaStsPolicy.__doc__ = """Parsed policy: ``fields`` keeps every (key, value) pair in file order;
``line_ending`` is 'crlf', 'lf', 'mixed' or None (single line, no terminator)."""


def _mx_list(mx):
    if isinstance(mx, str):
        items = [mx]
    elif isinstance(mx, (list, tuple)):
        items = list(mx)
    else:
        raise DnsRecordError(f"mx must be a host name or a list of host names, got {type(mx).__name__}")
    names = []
    for item in items:
        name = normalize_hostname(item, "mx host", allow_wildcard=True)
        if name not in names:
            names.append(name)
    return names


def mta_sts_max_age(max_age, mode):
    """Validate ``max_age`` (seconds) for ``mode``; return it as an int."""
    value = _to_int(max_age, "max_age")
    if not 0 <= value <= MTA_STS_MAX_AGE_LIMIT:
        raise DnsRecordError(
            f"max_age must be between 0 and {MTA_STS_MAX_AGE_LIMIT} seconds (RFC 8461), got {max_age!r}"
        )
    if mode == "enforce" and value < MTA_STS_ENFORCE_MIN_AGE:
        raise DnsRecordError(
            f"max_age {value} is too short for mode enforce: use "
            f"{MTA_STS_ENFORCE_MIN_AGE} (one week) to {MTA_STS_MAX_AGE_LIMIT} seconds"
        )
    return value


def mta_sts_mode(mode):
    if not isinstance(mode, str) or mode.strip().lower() not in MTA_STS_MODES:
        raise DnsRecordError("mode must be one of {}, got {!r}".format(", ".join(MTA_STS_MODES), mode))
    return mode.strip().lower()


def mta_sts_policy_fields(mx, mode="testing", max_age=MTA_STS_ENFORCE_MIN_AGE):
    """Validated policy as ordered (key, value) pairs: version, mode, mx..., max_age."""
    mode = mta_sts_mode(mode)
    names = _mx_list(mx)
    if not names and mode != "none":
        raise DnsRecordError(f"mx must list at least one MX host for mode {mode}")
    age = mta_sts_max_age(max_age, mode)
    fields = [("version", "STSv1"), ("mode", mode)]
    fields.extend(("mx", name) for name in names)
    fields.append(("max_age", str(age)))
    return fields


def _line_separator(line_ending):
    if line_ending in ("crlf", "CRLF", "\r\n"):
        return "\r\n"
    if line_ending in ("lf", "LF", "\n"):
        return "\n"
    raise DnsRecordError(f"line_ending must be crlf or lf, got {line_ending!r}")


def mta_sts_policy_text(mx, mode="testing", max_age=MTA_STS_ENFORCE_MIN_AGE, line_ending="crlf"):
    """Text of ``/.well-known/mta-sts.txt``: CRLF-separated, as RFC 8461 section 3.2 shows."""
    return render_mta_sts_policy(mta_sts_policy_fields(mx, mode, max_age), line_ending)


def render_mta_sts_policy(fields, line_ending="crlf"):
    """Policy text from (key, value) pairs, every line terminated."""
    sep = _line_separator(line_ending)
    return "".join(f"{key}: {value}{sep}" for key, value in fields)


def mta_sts_policy_id(fields):
    """An id that changes exactly when the policy content changes.

    Hex digits of the SHA-256 of the canonical (LF-joined) policy lines, so
    the line-ending choice does not matter but every field does.
    """
    canonical = "\n".join(f"{key}: {value}" for key, value in fields)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:MTA_STS_ID_LENGTH]


def mta_sts_txt_rdata(policy_id):
    """``"v=STSv1; id=<id>"`` after checking the id (1-32 letters or digits)."""
    if _is_int(policy_id):
        policy_id = str(policy_id)
    if not isinstance(policy_id, str) or not _STS_ID_RE.match(policy_id):
        raise DnsRecordError(f"id must be 1 to 32 letters or digits (RFC 8461 section 3.1), got {policy_id!r}")
    return txt_rdata(f"v=STSv1; id={policy_id}")


def mta_sts_policy(
    mx,
    domain,
    *,
    mode="testing",
    max_age=MTA_STS_ENFORCE_MIN_AGE,
    policy_id=None,
    ttl=None,
    line_ending="crlf",
):
    """Everything to publish for MTA-STS, as a dict.

    - ``policy``: text for ``https://mta-sts.<domain>/.well-known/mta-sts.txt``
    - ``txt_record``: ``_mta-sts.<domain>. IN TXT "v=STSv1; id=<id>"``
    - ``id``, ``policy_url``, ``policy_host``, ``mode``, ``max_age``, ``mx``
    """
    if domain is None or (isinstance(domain, str) and not domain.strip()):
        raise DnsRecordError("domain is required: the policy domain, e.g. example.org")
    domain = normalize_hostname(domain, "domain")
    fields = mta_sts_policy_fields(mx, mode, max_age)
    text = render_mta_sts_policy(fields, line_ending)
    if policy_id is None or policy_id == "":
        policy_id = mta_sts_policy_id(fields)
    rdata = mta_sts_txt_rdata(policy_id)
    return {
        "policy": text,
        "txt_record": zone_line("_mta-sts." + domain, "TXT", rdata, ttl),
        "id": str(policy_id),
        "policy_host": "mta-sts." + domain,
        "policy_url": f"https://mta-sts.{domain}/.well-known/mta-sts.txt",
        "mode": fields[1][1],
        "mx": [value for key, value in fields if key == "mx"],
        "max_age": int(fields[-1][1]),
    }


def parse_mta_sts_policy(text):
    """Parse and check policy text per RFC 8461 section 3.2.

    Lines may end in CRLF or LF; the last terminator is optional. Unknown
    fields (extensions) are kept in ``fields``. Raises DnsRecordError on a
    missing or repeated required field, a bad value or a malformed line.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if not isinstance(text, str) or not text:
        raise DnsRecordError("policy text is empty")
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    if "\r" in text.replace("\r\n", ""):
        raise DnsRecordError("policy contains a bare CR; lines end in CRLF or LF")
    line_ending = None
    if crlf and lf:
        line_ending = "mixed"
    elif crlf:
        line_ending = "crlf"
    elif lf:
        line_ending = "lf"
    lines = text.replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    fields = []
    for number, line in enumerate(lines, 1):
        match = _STS_FIELD_RE.match(line)
        if not match:
            raise DnsRecordError(f"policy line {number} is not 'key: value': {line!r}")
        fields.append((match.group(1), match.group(2)))

    def single(key):
        values = [value for name, value in fields if name == key]
        if len(values) != 1:
            raise DnsRecordError(f"policy must have exactly one {key!r} field, found {len(values)}")
        return values[0]

    version = single("version")
    if version != "STSv1":
        raise DnsRecordError(f"policy version must be STSv1, got {version!r}")
    mode = single("mode")
    if mode not in MTA_STS_MODES:
        raise DnsRecordError("policy mode must be one of {}, got {!r}".format(", ".join(MTA_STS_MODES), mode))
    max_age_text = single("max_age")
    if not re.match(r"^[0-9]{1,10}$", max_age_text):
        raise DnsRecordError(f"policy max_age must be 1-10 digits, got {max_age_text!r}")
    max_age = int(max_age_text)
    if max_age > MTA_STS_MAX_AGE_LIMIT:
        raise DnsRecordError(f"policy max_age {max_age} exceeds {MTA_STS_MAX_AGE_LIMIT}")
    mx = [value for name, value in fields if name == "mx"]
    for value in mx:
        if normalize_hostname(value, "policy mx", allow_wildcard=True) != value.lower():
            raise DnsRecordError(f"policy mx {value!r} must not end in a dot")
    if not mx and mode != "none":
        raise DnsRecordError(f"policy mode {mode} needs at least one mx field")
    return MtaStsPolicy(version, mode, tuple(mx), max_age, tuple(fields), line_ending)


# -------------------------------------------------------------------- TLS-RPT

_MAILTO_RE = re.compile(r"^[^\s@,;!]+@[^\s@,;!]+$")


def _tlsrpt_uri(value):
    if not isinstance(value, str) or not value.strip():
        raise DnsRecordError(f"rua entries must be non-empty strings, got {value!r}")
    uri = value.strip()
    if uri.lower().startswith("https://"):
        if re.search(r"[\s,;!\"]", uri) or len(uri) <= len("https://"):
            raise DnsRecordError(f"rua {value!r} is not a usable https URI (no spaces, ',', ';' or '!')")
        return uri
    address = uri[len("mailto:") :] if uri.lower().startswith("mailto:") else uri
    if not _MAILTO_RE.match(address):
        raise DnsRecordError(
            f"rua {value!r} is neither a mail address (reports@example.org, mailto:...) nor an https:// URI"
        )
    normalize_hostname(address.rsplit("@", 1)[1], "rua mail domain")
    return "mailto:" + address


def tlsrpt_record(rua, domain, ttl=None):
    """``_smtp._tls.<domain>. IN TXT "v=TLSRPTv1; rua=mailto:..."`` (RFC 8460 section 3).

    ``rua`` is one address/URI or a list; bare addresses get ``mailto:``.
    """
    if domain is None or (isinstance(domain, str) and not domain.strip()):
        raise DnsRecordError("domain is required: the mail domain the reports are for, e.g. example.org")
    domain = normalize_hostname(domain, "domain")
    items = [rua] if isinstance(rua, str) else rua
    if not isinstance(items, (list, tuple)) or not items:
        raise DnsRecordError(f"rua must be a report address/URI or a non-empty list of them, got {rua!r}")
    uris = ",".join(_tlsrpt_uri(item) for item in items)
    return zone_line("_smtp._tls." + domain, "TXT", txt_rdata(f"v=TLSRPTv1; rua={uris}"), ttl)


# ------------------------------------------------------------------------ SRV

# Implicit TLS first: RFC 8314 section 3 prefers it over STARTTLS.
SUBMISSION_SERVICES = ("submissions", "submission")


def _srv_number(value, what, low, high):
    number = _to_int(value, what)
    if not low <= number <= high:
        raise DnsRecordError(f"{what} must be between {low} and {high}, got {value!r}")
    return number


def _flag(value, what):
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise DnsRecordError(f"{what} must be true or false, got {value!r}") from None


def srv_record(service, domain, target, port, *, priority=0, weight=1, ttl=None, protocol="tcp"):
    """``_<service>._<protocol>.<domain>. [ttl ]IN SRV <prio> <weight> <port> <target>.``.

    ``target`` ``.`` means "service decidedly not available" (RFC 2782).
    """
    domain = normalize_hostname(domain, "domain")
    if target == ".":
        rdata = "0 0 0 ."
    else:
        rdata = " ".join(
            (
                str(_srv_number(priority, "priority", 0, 65535)),
                str(_srv_number(weight, "weight", 0, 65535)),
                str(_srv_number(port, "port", 1, 65535)),
                _fqdn(normalize_hostname(target, "SRV target")),
            )
        )
    return zone_line(f"_{service}._{protocol}.{domain}", "SRV", rdata, ttl)


def submission_srv_records(
    target,
    domain,
    *,
    submission=True,
    submissions=True,
    submission_port=587,
    submissions_port=465,
    priority=0,
    weight=1,
    ttl=None,
    publish_disabled=False,
):
    """SRV records for mail clients: ``_submissions._tcp`` (465, RFC 8314) and
    ``_submission._tcp`` (587, RFC 6186), for the enabled listeners.

    With ``publish_disabled`` a disabled listener gets ``0 0 0 .`` ("not
    available") instead of no record.
    """
    if domain is None or (isinstance(domain, str) and not domain.strip()):
        raise DnsRecordError("domain is required: the mail domain clients look up, e.g. example.org")
    enabled = {"submissions": submissions, "submission": submission}
    ports = {"submissions": submissions_port, "submission": submission_port}
    records = []
    for service in SUBMISSION_SERVICES:
        if _flag(enabled[service], service):
            records.append(
                srv_record(service, domain, target, ports[service], priority=priority, weight=weight, ttl=ttl)
            )
        elif _flag(publish_disabled, "publish_disabled"):
            records.append(srv_record(service, domain, ".", 0, ttl=ttl))
    return records
