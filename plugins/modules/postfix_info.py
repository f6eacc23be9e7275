#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: postfix_info
short_description: Effective per-listener TLS and SASL policy of a Postfix instance
version_added: 0.1.0
description:
  - Reads a Postfix configuration directory with the installed Postfix (C(postconf -c DIR -n), C(-M), C(-P) and
    C(-d name...)) and returns the B(effective) TLS/SASL policy per smtpd listener (port 25, 587, 465, any
    C(address:port)) after this Postfix version's defaults, C(main.cf) and master.cf C(-o) overrides.
  - Tells which protocol and cipher parameters are really in force on each listener. At
    C(smtpd_tls_security_level=may) Postfix uses C(smtpd_tls_protocols) and C(smtpd_tls_ciphers); the
    C(*_mandatory_*) parameters apply only at C(encrypt) or in wrapper mode.
  - Inspects every configured certificate with the C(openssl) command (subject, SANs, issuer, expiry, key type and
    size, whether it covers C(myhostname) and matches its key). Only public key material is read from key files.
  - Never writes anything. When C(postconf) is not installed it parses C(main.cf) and C(master.cf) itself, uses
    built-in Postfix 3.7 defaults and says so with RV(postfix_info.source=files).
  - Turn the result into findings with the P(mailsec.postfix.tls_findings#filter) filter.
author:
  - mailsec.postfix contributors (@mailsec)
attributes:
  check_mode:
    description: The module never changes anything and runs normally in check mode.
    support: full
  diff_mode:
    description: Nothing is changed, so there is nothing to diff.
    support: none
  platform:
    description: Debian 12 (Postfix 3.7) and Debian 13 (Postfix 3.10) are tested.
    platforms: debian
    support: full
options:
  config_dir:
    description:
      - The Postfix configuration directory (the one C(postconf -c) takes).
    type: path
    default: /etc/postfix
  inspect_certificates:
    description:
      - Run C(openssl) on the configured certificate and key files.
      - When V(false), RV(postfix_info.certificates) lists the files without facts.
    type: bool
    default: true
  fingerprint:
    description:
      - More files to fingerprint in RV(postfix_info.fingerprints), for example files a role manages next to
        Postfix (a Dovecot drop-in, a TLS policy table). A missing file is reported as V(null).
    type: list
    elements: path
    default: []
requirements:
  - Postfix (C(postconf)) on the managed node for the authoritative view; without it the files are parsed.
  - The C(openssl) command for certificate facts.
notes:
  - Run as root (become) so that private key files are readable for the key/certificate match.
seealso:
  - plugin: mailsec.postfix.tls_findings
    plugin_type: filter
  - module: mailsec.postfix.maincf
  - module: mailsec.postfix.mastercf
"""

EXAMPLES = r"""
- name: Read the effective TLS/SASL policy
  mailsec.postfix.postfix_info:
  register: postfix

- name: Show what governs port 25
  ansible.builtin.debug:
    msg: >-
      {{ (postfix.postfix_info.listeners | selectattr('port', 'equalto', 25) | first).protocols_param }}

- name: Fail on high findings
  ansible.builtin.assert:
    that: >-
      postfix.postfix_info | mailsec.postfix.tls_findings
      | selectattr('severity', 'equalto', 'high') | list | length == 0

- name: Inspect a staged configuration directory
  mailsec.postfix.postfix_info:
    config_dir: /etc/postfix.staged
    inspect_certificates: false
"""

RETURN = r"""
postfix_info:
  description: The effective configuration.
  returned: always
  type: dict
  contains:
    version:
      description: C(mail_version) of the installed Postfix (empty when read from files only).
      type: str
      sample: 3.7.11
    config_dir:
      description: The configuration directory that was read.
      type: str
      sample: /etc/postfix
    source:
      description: V(postconf) when the installed Postfix was asked, V(files) when C(postconf) was missing.
      type: str
    defaults_source:
      description: Where defaults came from, C(postconf -d) or the built-in Postfix 3.7 table (files fallback).
      type: str
    myhostname:
      description: Effective C(myhostname), the name certificates must cover.
      type: str
      sample: mx.example.com
    queue_directory:
      description: Effective C(queue_directory); relative SASL socket paths are below it.
      type: str
      sample: /var/spool/postfix
    main:
      description: Parameters set explicitly in C(main.cf) (C(postconf -n)), unexpanded.
      type: dict
    services:
      description: master.cf entries.
      type: list
      elements: dict
      contains:
        name:
          description: Service name (first column), for example V(smtp), V(submission), V(127.0.0.1:10025).
          type: str
        type:
          description: Service type (V(inet), V(unix), V(pass), ...).
          type: str
        private:
          description: Private column.
          type: str
        unpriv:
          description: Unprivileged column.
          type: str
        chroot:
          description: Chroot column.
          type: str
        wakeup:
          description: Wakeup column.
          type: str
        maxproc:
          description: Process limit column.
          type: str
        command:
          description: Command name (V(smtpd), V(postscreen), ...).
          type: str
        args:
          description: Command arguments as listed.
          type: list
          elements: str
        overrides:
          description: C(-o name=value) overrides of the service (C(postconf -P)), unexpanded.
          type: dict
    listeners:
      description: One entry per smtpd-like inet service (C(smtpd), or C(postscreen) with the C(smtpd pass) service).
      type: list
      elements: dict
      contains:
        service:
          description: master.cf service name.
          type: str
        type:
          description: Always V(inet).
          type: str
        command:
          description: V(smtpd) or V(postscreen).
          type: str
        via:
          description: V(postscreen) when postscreen fronts the listener, else null.
          type: str
        settings_service:
          description: The master.cf service (C(name/type)) whose C(-o) overrides apply.
          type: str
        host:
          description: Bind address from an C(address:port) service name, else null.
          type: str
        port:
          description: TCP port (null if the service name is not a known port).
          type: int
        loopback:
          description: Whether the listener binds to a loopback address only.
          type: bool
        tls_mode:
          description: V(starttls), V(wrapper) (implicit TLS) or V(none).
          type: str
        security_level:
          description: Effective C(smtpd_tls_security_level) (legacy C(smtpd_enforce_tls)/C(smtpd_use_tls) resolved).
          type: str
        security_level_source:
          description: Which parameter decided the level.
          type: str
        tls_mandatory:
          description: True at level V(encrypt) or in wrapper mode, where the C(*_mandatory_*) parameters apply.
          type: bool
        protocols_param:
          description: The protocol parameter in force.
          type: str
          sample: smtpd_tls_protocols
        protocols:
          description: Its expanded value.
          type: str
        protocols_enabled:
          description: The protocols that value allows.
          type: list
          elements: str
        ciphers_param:
          description: The cipher grade parameter in force.
          type: str
        ciphers:
          description: The cipher grade in force.
          type: str
        exclude_params:
          description: The exclusion parameters in force.
          type: list
          elements: str
        exclude_ciphers:
          description: The effective excluded ciphers.
          type: list
          elements: str
        anonymous_ciphers_excluded:
          description: Whether aNULL suites are removed (exclusions, client certificates asked, or TLS 1.3 only).
          type: bool
        has_certificate:
          description: Whether any server certificate is configured.
          type: bool
        certificate_files:
          description: Certificate/key files of this listener (C(cert), C(key), C(param)).
          type: list
          elements: dict
        sasl_enabled:
          description: Effective C(smtpd_sasl_auth_enable).
          type: bool
        sasl_type:
          description: Effective C(smtpd_sasl_type) (V(dovecot), V(cyrus)).
          type: str
        sasl_path:
          description: Effective C(smtpd_sasl_path), relative to C(queue_directory) unless absolute.
          type: str
        tls_auth_only:
          description: Effective C(smtpd_tls_auth_only).
          type: bool
        sasl_security_options:
          description: Effective C(smtpd_sasl_security_options).
          type: list
          elements: str
        sasl_tls_security_options:
          description: Effective C(smtpd_sasl_tls_security_options).
          type: list
          elements: str
        client_restrictions:
          description: Effective C(smtpd_client_restrictions).
          type: list
          elements: str
        relay_restrictions:
          description: Effective C(smtpd_relay_restrictions).
          type: list
          elements: str
        recipient_restrictions:
          description: Effective C(smtpd_recipient_restrictions).
          type: list
          elements: str
        mandatory_settings_ignored:
          description: C(smtpd_tls_mandatory_*) parameters set explicitly that this opportunistic listener ignores.
          type: dict
        overrides:
          description: The C(-o) overrides that apply.
          type: dict
        deprecated_overrides:
          description: Deprecated parameters set with C(-o) on this service.
          type: list
          elements: str
        origins:
          description: For key parameters, where the value comes from (V(default), V(main.cf), V(master.cf)).
          type: dict
    outbound:
      description: The smtp client's TLS policy.
      type: dict
      contains:
        security_level:
          description: Effective C(smtp_tls_security_level) (legacy C(smtp_enforce_tls)/C(smtp_use_tls) resolved).
          type: str
        security_level_source:
          description: Which parameter decided the level.
          type: str
        tls_mandatory:
          description: Whether the mandatory parameters are in force for every destination.
          type: bool
        policy_maps:
          description: C(smtp_tls_policy_maps) (per-destination levels).
          type: str
        protocols_param:
          description: The protocol parameter in force.
          type: str
        protocols:
          description: Its expanded value.
          type: str
        protocols_enabled:
          description: The protocols that value allows.
          type: list
          elements: str
        ciphers_param:
          description: The cipher grade parameter in force.
          type: str
        ciphers:
          description: The cipher grade in force.
          type: str
        exclude_params:
          description: The exclusion parameters in force.
          type: list
          elements: str
        exclude_ciphers:
          description: The effective excluded ciphers.
          type: list
          elements: str
        anonymous_ciphers_excluded:
          description: Whether aNULL suites are removed.
          type: bool
        mandatory_settings_ignored:
          description: C(smtp_tls_mandatory_*) parameters set explicitly that the opportunistic level ignores.
          type: dict
        overrides:
          description: C(-o) overrides of the C(smtp unix smtp) service.
          type: dict
        certificate_files:
          description: Client certificate files.
          type: list
          elements: dict
    deprecated:
      description: Deprecated parameters found (C(parameter), C(value), C(service), C(replacement)).
      type: list
      elements: dict
    disable_vrfy_command:
      description: Effective C(disable_vrfy_command).
      type: bool
    certificate_files:
      description: Distinct certificate/key pairs with the parameters and services that use them.
      type: list
      elements: dict
    certificates:
      description: The same pairs with certificate facts.
      type: list
      elements: dict
      contains:
        path:
          description: Certificate (or chain) file.
          type: str
        key_path:
          description: Private key file.
          type: str
        params:
          description: Parameters naming the file.
          type: list
          elements: str
        used_by:
          description: Listener service names (and V(outbound)) using it.
          type: list
          elements: str
        subject:
          description: Subject in OpenSSL one-line form.
          type: str
        common_name:
          description: Subject CN.
          type: str
        issuer:
          description: Issuer in OpenSSL one-line form.
          type: str
        sans:
          description: DNS subjectAltNames.
          type: list
          elements: str
        self_signed:
          description: Whether issuer equals subject (and the key identifiers agree).
          type: bool
        not_after:
          description: Expiry (UTC, ISO 8601).
          type: str
        days_left:
          description: Whole days until expiry (negative when expired).
          type: int
        expired:
          description: Whether the certificate has expired.
          type: bool
        key_type:
          description: V(RSA), V(EC), V(ED25519), ...
          type: str
        key_bits:
          description: Key size in bits.
          type: int
        hostname:
          description: The C(myhostname) the names were compared with.
          type: str
        covers_hostname:
          description: Whether a SAN (or the CN without SANs) matches C(myhostname); a wildcard covers one label.
          type: bool
        key_matches:
          description: Whether the key file's public key equals the certificate's (null when the key was unreadable).
          type: bool
        public_key:
          description:
            - The certificate's public key (SubjectPublicKeyInfo) in PEM, the input of a TLSA 3 1 1 record.
            - Null when the certificate could not be read.
          type: str
        error:
          description: Why the certificate could not be inspected (only then present).
          type: str
    fingerprints:
      description:
        - SHA-256 (hex) of C(main.cf), C(master.cf), every configured certificate and key file, and the files
          listed in O(fingerprint); V(null) for a file that is missing or unreadable.
        - Lets a caller tell whether anything changed since an earlier read. Key files are hashed, never returned.
      type: dict
      sample: {"/etc/postfix/main.cf": "3f0c...e1"}
    running:
      description:
        - Whether the Postfix master process runs (C(postfix status) exits 0); null when the C(postfix) command or
          C(postconf) is not installed.
      type: bool
    sasl_sockets:
      description:
        - The Dovecot SASL sockets that listeners with AUTH enabled use, and whether anything accepts connections
          on them (the auth service runs). An unreachable socket means AUTH fails on those listeners.
      type: list
      elements: dict
      contains:
        path:
          description: Absolute socket path (a relative C(smtpd_sasl_path) is below C(queue_directory)).
          type: str
        type:
          description: Always V(dovecot).
          type: str
        services:
          description: The listeners (master.cf service names) that use the socket.
          type: list
          elements: str
        reachable:
          description: Whether a connection to the socket succeeded.
          type: bool
"""

import hashlib  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.mailsec.postfix.plugins.module_utils import _certinfo, _postfix_policy  # noqa: E402

PUBKEY_RE = re.compile(r"-----BEGIN PUBLIC KEY-----\n.*?-----END PUBLIC KEY-----\n", re.DOTALL)
POSTCONF_DIRS = ["/usr/sbin", "/usr/local/sbin"]


def _command(module, argv):
    return module.run_command(argv, check_rc=False, environ_update={"LC_ALL": "C"})


def _checked(module, argv, what, result):
    rc, out, err = result
    if rc != 0:
        module.fail_json(msg="%s failed (rc=%d): %s" % (what, rc, err.strip() or out.strip()), cmd=argv)
    return out


def read_with_postconf(module, postconf, config_dir, pool):
    """main.cf (-n), the defaults the view needs (-d), master.cf (-M) and its overrides (-P).

    The four reads are independent: they run side by side and are checked in order.
    """
    base = [postconf, "-c", config_dir]
    calls = [
        ([*base, "-n"], "postconf -n"),
        ([*base, "-d", *_postfix_policy.DEFAULT_NAMES], "postconf -d"),
        ([*base, "-M"], "postconf -M"),
        ([*base, "-P"], "postconf -P"),
    ]
    futures = [pool.submit(_command, module, argv) for argv, _what in calls]
    main_out, defaults_out, services_out, overrides_out = [
        _checked(module, argv, what, future.result()) for (argv, what), future in zip(calls, futures)
    ]
    main = _postfix_policy.parse_params(main_out)
    # -c makes postconf report config_directory as explicitly set; it is not the operator's setting.
    main.pop("config_directory", None)
    defaults = _postfix_policy.parse_params(defaults_out)
    try:
        services = _postfix_policy.parse_services(services_out)
    except ValueError as exc:
        module.fail_json(msg="cannot parse the output of postconf -M: %s" % exc)
    overrides = _postfix_policy.parse_overrides(overrides_out)
    return defaults, main, _postfix_policy.attach_overrides(services, overrides)


def read_files(module, config_dir):
    texts = {}
    for name in ("main.cf", "master.cf"):
        path = os.path.join(config_dir, name)
        try:
            with open(path, "r") as handle:
                texts[name] = handle.read()
        except (IOError, OSError) as exc:
            module.fail_json(msg="cannot read %s: %s" % (path, exc))
    main = _postfix_policy.parse_params(texts["main.cf"])
    try:
        services = _postfix_policy.parse_services(texts["master.cf"])
    except ValueError as exc:
        module.fail_json(msg="cannot parse %s: %s" % (os.path.join(config_dir, "master.cf"), exc))
    return dict(_postfix_policy.FALLBACK_DEFAULTS), main, services


def pem_kinds(paths):
    """Which PEM objects (key, cert) each file holds; the key material is not kept."""
    kinds = {}
    for path in paths:
        try:
            with open(path) as handle:
                text = handle.read()
        except (IOError, OSError, UnicodeDecodeError):
            continue
        found = set()
        if "-----BEGIN CERTIFICATE-----" in text:
            found.add("cert")
        if "PRIVATE KEY-----" in text:
            found.add("key")
        kinds[path] = found
    return kinds


def inspect_certificates(module, openssl, entries, hostname, pool):
    """Facts for each certificate file: one openssl x509 call (text form, then the public key in
    PEM) and, when the key is readable, one openssl pkey call for its public half. All of them
    run side by side."""
    if not openssl:
        return [dict(entry, error="the openssl command is not installed") for entry in entries]
    jobs = []
    for entry in entries:
        x509 = pool.submit(_command, module, [openssl, "x509", "-in", entry["path"], "-noout", "-text", "-pubkey"])
        pkey = None
        if os.access(entry["key_path"], os.R_OK):
            # -passin pass: makes an encrypted key fail instead of prompting; only the public half is printed.
            argv = [openssl, "pkey", "-in", entry["key_path"], "-pubout", "-passin", "pass:"]
            pkey = pool.submit(_command, module, argv)
        jobs.append((entry, x509, pkey))
    certificates = []
    for entry, x509, pkey in jobs:
        cert = dict(entry)
        certificates.append(cert)
        rc, out, err = x509.result()
        if rc != 0:
            cert["error"] = (err or out).strip() or "openssl x509 failed"
            continue
        match = PUBKEY_RE.search(out)
        cert_pub = match.group(0) if match else ""
        text = out.replace(cert_pub, "") if cert_pub else out
        key_pub = None
        if pkey is not None:
            rc, key_out, _err = pkey.result()
            key_pub = key_out if rc == 0 else None
        cert.update(_certinfo.certificate_facts(text, hostname, cert_pub, key_pub))
        cert["public_key"] = cert_pub or None
    return certificates


def file_sha256(path):
    """Hex SHA-256 of a file's bytes, None when it does not exist or cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(65536), b""):
                digest.update(block)
    except (IOError, OSError):
        return None
    return digest.hexdigest()


def fingerprints(info, config_dir, extra_paths):
    """SHA-256 of main.cf, master.cf, every configured certificate and key file and extra_paths.

    Key files are hashed, never returned: a caller can tell that something changed since an
    earlier read without seeing any secret.
    """
    paths = [os.path.join(config_dir, "main.cf"), os.path.join(config_dir, "master.cf")]
    for entry in info["certificate_files"]:
        paths.extend([entry["path"], entry["key_path"]])
    paths.extend(extra_paths)
    return {path: file_sha256(path) for path in paths if path}


def postfix_running(module, config_dir):
    """True/False from `postfix status` (exit 0 when the master process runs), None without the command."""
    postfix = module.get_bin_path("postfix", opt_dirs=POSTCONF_DIRS)
    if not postfix:
        return None
    rc, _out, _err = _command(module, [postfix, "-c", config_dir, "status"])
    return rc == 0


def sasl_sockets(info):
    """The Dovecot SASL sockets smtpd listeners with AUTH use, and whether something accepts connections on them."""
    found = {}
    for listener in info["listeners"]:
        if not listener.get("sasl_enabled") or listener.get("sasl_type") != "dovecot":
            continue
        path = listener.get("sasl_path") or ""
        if not path or path.startswith("inet:"):
            continue
        if not path.startswith("/"):
            # smtpd runs chrooted or not; either way a relative path is below the queue directory.
            path = os.path.join(info.get("queue_directory") or "/var/spool/postfix", path.lstrip("/"))
        entry = found.setdefault(path, {"path": path, "type": "dovecot", "services": [], "reachable": None})
        entry["services"].append(listener["service"])
    for entry in found.values():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(2)
        try:
            probe.connect(entry["path"])
            entry["reachable"] = True
        except (IOError, OSError):
            entry["reachable"] = False
        finally:
            probe.close()
    return list(found.values())


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config_dir=dict(type="path", default="/etc/postfix"),
            inspect_certificates=dict(type="bool", default=True),
            fingerprint=dict(type="list", elements="path", default=[]),
        ),
        supports_check_mode=True,
    )
    config_dir = module.params["config_dir"]
    if not os.path.isdir(config_dir):
        module.fail_json(msg="config_dir %s is not a directory" % config_dir)
    postconf = module.get_bin_path("postconf", opt_dirs=POSTCONF_DIRS)
    warnings = []
    # Every external command below is independent of the others at its stage: `postfix status`
    # and the four postconf reads start together, then openssl for every certificate and key.
    with ThreadPoolExecutor(max_workers=8) as pool:
        running = pool.submit(postfix_running, module, config_dir) if postconf else None
        if postconf:
            defaults, main_params, services = read_with_postconf(module, postconf, config_dir, pool)
            source, defaults_source = "postconf", "postconf"
        else:
            defaults, main_params, services = read_files(module, config_dir)
            source, defaults_source = "files", "builtin"
            warnings.append("postconf not found: parsed main.cf/master.cf directly and assumed Postfix 3.7 defaults")
        info = _postfix_policy.build_view(defaults, main_params, services, config_dir=config_dir, source=source)
        chain_paths = [
            e["path"] for e in info["certificate_files"] if any(p.endswith("_chain_files") for p in e["params"])
        ]
        if chain_paths:
            info = _postfix_policy.build_view(
                defaults, main_params, services, config_dir=config_dir, source=source, pem_kinds=pem_kinds(chain_paths)
            )
        info["defaults_source"] = defaults_source
        entries = info["certificate_files"]
        if module.params["inspect_certificates"]:
            openssl = module.get_bin_path("openssl")
            certificates = inspect_certificates(module, openssl, entries, info["myhostname"], pool)
        else:
            certificates = [dict(entry) for entry in entries]
        info["running"] = running.result() if running else None
    info["certificates"] = certificates
    info["fingerprints"] = fingerprints(info, config_dir, module.params["fingerprint"])
    info["sasl_sockets"] = sasl_sockets(info)
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=False, postfix_info=info)


if __name__ == "__main__":
    main()
