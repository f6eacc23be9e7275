# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the postfix_hardening role makes of one postfix_info read (controller side).

The action ``mailsec.postfix.converge_read`` runs postfix_info and hands its result here:
the digest of the role's own code per converge part, the checks on role variables that an
argument spec cannot express, the audit (findings, and those at or above fail_on) and the
DNS records to publish. Pure functions over plain data, unit-tested without a server.
"""

import fnmatch
import glob
import hashlib
import os

import yaml

from ansible_collections.mailsec.postfix.plugins.filter.mta_sts_policy import mta_sts_policy
from ansible_collections.mailsec.postfix.plugins.filter.submission_srv_records import submission_srv_records
from ansible_collections.mailsec.postfix.plugins.filter.tls_findings import tls_findings
from ansible_collections.mailsec.postfix.plugins.filter.tlsa_record import tlsa_record
from ansible_collections.mailsec.postfix.plugins.filter.tlsrpt_record import tlsrpt_record
from ansible_collections.mailsec.postfix.plugins.module_utils import _findings


def code_digest(root, patterns):
    """SHA-256 over the files matching ``patterns`` (globs relative to ``root``), by relative path.

    A pattern that matches nothing counts too (as an empty match), so a removed file changes it.
    """
    digest = hashlib.sha256()
    for pattern in patterns:
        digest.update(("pattern %s\n" % pattern).encode("utf-8"))
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            if not os.path.isfile(path):
                continue
            with open(path, "rb") as handle:
                content = hashlib.sha256(handle.read()).hexdigest()
            digest.update(("%s %s\n" % (os.path.relpath(path, root), content)).encode("utf-8"))
    return digest.hexdigest()


def role_options(root):
    """The variable names of the role's argument spec (meta/argument_specs.yml under root), sorted."""
    path = os.path.join(root, "meta", "argument_specs.yml")
    if not os.path.isfile(path):
        return []
    with open(path, "rb") as handle:
        spec = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return sorted(((spec.get("argument_specs") or {}).get("main") or {}).get("options") or {})


def input_names(patterns, known):
    """The variable names ``patterns`` select: a name, or a glob over ``known`` (the role's options);
    a pattern starting with ! removes what it matches."""
    names = []
    for given in patterns:
        negate = given.startswith("!")
        pattern = given[1:] if negate else given
        matched = fnmatch.filter(known, pattern) if any(c in pattern for c in "*?[") else [pattern]
        if negate:
            names = [name for name in names if name not in matched]
        else:
            names += [name for name in matched if name not in names]
    return sorted(names)


def input_values(names, resolve, secrets):
    """{name: value} with resolve(name) giving the value; a secret counts by its SHA-256 only."""
    values = {}
    for name in names:
        value = resolve(name)
        if name in secrets:
            value = "sha256:" + hashlib.sha256(str(value).encode("utf-8")).hexdigest()
        values[name] = value
    return values


def input_errors(cert_mode, cert_chains, fail_on_drift, check_mode):
    """What the role's variables ask for that it cannot do (argument_specs cannot say so)."""
    errors = []
    if cert_mode == "provided" and not cert_chains:
        errors.append(
            "postfix_hardening_cert_mode=provided needs postfix_hardening_cert_chains (a list of {key, cert} paths)."
        )
    if fail_on_drift and not check_mode:
        errors.append(
            "postfix_hardening_fail_on_drift=true is an alarm for check mode and never writes: run with --check,"
            " or leave it false for a real run."
        )
    return errors


def audit(info, enabled, profile, fail_on):
    """(findings, the findings at or above fail_on); both empty when the audit is off."""
    if not enabled:
        return [], []
    found = tls_findings(info, profile=profile)
    return found, [finding for finding in found if _findings.is_blocking(finding["severity"], fail_on)]


def mail_domain(host, options):
    """The domain the TLS-RPT and SRV records go under: set explicitly, or the MTA-STS domain,
    or myhostname without its first label (myhostname itself when it has only two)."""
    if options.get("mail_domain"):
        return options["mail_domain"]
    if options.get("mta_sts_domain"):
        return options["mta_sts_domain"]
    labels = host.split(".")
    return host.split(".", 1)[1] if len(labels) > 2 else host


def dns_records(info, options):
    """{tlsa, mta_sts, tlsrpt, srv} for the server this read describes.

    TLSA records for the public keys of the certificates smtpd serves: an unreadable
    certificate has no public key (and a cert_unreadable finding), a weak key gets no record
    (and a weak_key finding).
    """
    host = info["myhostname"]
    ttl = options.get("ttl")
    pubkeys = [
        cert["public_key"]
        for cert in info.get("certificates") or []
        if cert.get("used_by") != ["outbound"] and cert.get("public_key")
    ]
    tlsa = [record for record in (tlsa_record(key, host=host, ttl=ttl, weak_key="omit") for key in pubkeys) if record]
    domain = mail_domain(host, options)
    sts_domain = options.get("mta_sts_domain") or ""
    return {
        "tlsa": tlsa,
        "mta_sts": mta_sts_policy(
            [host], domain=sts_domain, mode=options.get("mta_sts_mode"), max_age=options.get("mta_sts_max_age"), ttl=ttl
        )
        if sts_domain
        else {},
        "tlsrpt": tlsrpt_record(options["tlsrpt_rua"], domain=domain, ttl=ttl) if options.get("tlsrpt_rua") else "",
        "srv": submission_srv_records(
            host,
            domain=domain,
            submission=options.get("submission", True),
            submissions=options.get("submissions", True),
            ttl=ttl,
        ),
    }


def report(findings, records, audited):
    """What the role prints and writes to the zone file: one ``severity | service | id | message``
    line per finding (a sentence instead when the audit is off) and the DNS records to publish,
    one per line."""
    srv = records.get("srv") or []
    return {
        "findings": [" | ".join((f["severity"], f["service"], f["id"], f["message"])) for f in findings]
        if audited
        else "not audited (postfix_hardening_audit: false)",
        "dns_records": list(records.get("tlsa") or [])
        + ([records["mta_sts"]["txt_record"]] if records.get("mta_sts") else [])
        + ([records["tlsrpt"]] if records.get("tlsrpt") else [])
        + ([srv] if isinstance(srv, str) else list(srv)),
    }
