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
  - Never hangs on hostile paths. Certificate, key, chain and fingerprinted files are read only when they are regular
    files (checked without opening them, so a FIFO or C(/dev/zero) is reported, not read) of bounded size, and
    C(openssl) gets only the first PEM certificate of a file. Every external command (C(postconf), C(postfix status),
    C(openssl)) is stopped after 30 seconds and the SASL socket probes share a 10-second budget. Such a file or
    timeout shows as RV(postfix_info.certificates[].error) (the C(cert_unreadable) finding) or in
    RV(postfix_info.fingerprint_errors); a C(main.cf) or C(master.cf) that is not a regular file fails the task
    with a message naming it.
  - Values are read as Postfix reads them, with ASCII white space only; a non-breaking space (U+00A0) pasted after
    a value stays part of it, as it does for Postfix. Bytes that are not UTF-8 are returned as C(\\xNN).
  - Reports the smtp client's SASL login to a C(relayhost) (RV(postfix_info.relay)) with the owner and mode of
    every password table file, which are only C(stat())ed, never read, and the TLS level for each relay next hop
    after looking it up in C(smtp_tls_policy_maps) with C(postmap -q) (stopped after 10 seconds; table files that are
    not regular files are not handed to C(postmap)).
  - Never writes anything. When C(postconf) is not installed it parses C(main.cf) and C(master.cf) itself, uses
    built-in Postfix 3.7 defaults and says so with RV(postfix_info.source=files).
  - Turn the result into findings with the P(mailsec.postfix.tls_findings#filter) filter.
author:
  - mailsec.postfix contributors (@mailsec)
extends_documentation_fragment:
  - mailsec.postfix.attributes.read_only
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
  record:
    description:
      - A small JSON file to read and return as RV(postfix_info.record), for example the record a role keeps of its
        last converge (the P(mailsec.postfix.postfix_hardening#role) role's record holds digests only, nothing
        secret). Read only when it is a regular file of at most 64 KiB, like every other file this module reads.
    type: path
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
      description:
        - Parameters set explicitly in C(main.cf) (C(postconf -n)), unexpanded.
        - Credentials held inline (C(static:user:pass), C(inline:{...}) in a password map parameter) are shown as
          C(<redacted>), here and in every C(overrides); the other facts were computed from the real values.
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
        helo_restrictions:
          description: Effective C(smtpd_helo_restrictions).
          type: list
          elements: str
        sender_restrictions:
          description: Effective C(smtpd_sender_restrictions).
          type: list
          elements: str
        sender_login_maps:
          description:
            - Effective C(smtpd_sender_login_maps) (the tables saying which SASL login owns which envelope sender),
              expanded; empty when the listener binds no sender to a login.
            - Only the table names are returned, never their contents.
          type: str
          sample: lmdb:/etc/postfix/sender_logins
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
    relay:
      description:
        - The smtp client towards C(relayhost) - SASL login, password tables and the TLS level per next hop.
        - C(relayhost) is the one in C(main.cf); the C(smtp_*) parameters are the smtp client's, where a C(-o)
          override of the C(smtp unix) service wins.
        - The password tables are only C(stat())ed, never opened; the data of C(static:) and C(inline:) tables
          (which can hold the password itself) is shown as C(<redacted>).
      type: dict
      contains:
        relayhost:
          description: Effective C(relayhost), expanded; empty when mail goes to the recipient domains' MX hosts.
          type: str
          sample: "[relay.example.net]:587"
        destinations:
          description: One entry per next hop in C(relayhost) (Postfix 3.5+ accepts a list); empty without one.
          type: list
          elements: dict
          contains:
            nexthop:
              description:
                - The next hop exactly as C(relayhost) names it, the key the smtp client looks up in
                  C(smtp_tls_policy_maps).
              type: str
              sample: "[relay.example.net]:587"
            policy:
              description:
                - The C(smtp_tls_policy_maps) tables consulted with C(postmap -q NEXTHOP TABLE), in order, up to the
                  first that has an entry or cannot be read (where the smtp client stops too).
                - Each has C(map) (the table), C(found) (true, false, or null after an error), C(value) (the entry,
                  null when none) and C(error) (why the table could not be read, else null).
              type: list
              elements: dict
            policy_status:
              description:
                - V(found) (a table has an entry), V(not_found) (no table has one), V(no_policy_maps)
                  (C(smtp_tls_policy_maps) is empty), V(error) (a table could not be read; Postfix defers such mail)
                  or V(unknown) (the tables were not consulted, see RV(postfix_info.relay.policy_lookup_note)).
              type: str
            policy_level:
              description: The first word of the policy entry found (for example V(encrypt), V(secure)), else null.
              type: str
            tls_level:
              description:
                - The TLS level the smtp client uses for this next hop - the policy entry's level, else the
                  effective C(smtp_tls_security_level) (an C(smtp unix) C(-o) override included).
                - Null when it cannot be known (policy_status V(unknown) or V(error)).
              type: str
              sample: encrypt
            tls_level_source:
              description: V(smtp_tls_policy_maps), or the parameter that decided the global level; null when unknown.
              type: str
        sasl_auth_enable:
          description: Effective C(smtp_sasl_auth_enable).
          type: bool
        sasl_type:
          description: Effective C(smtp_sasl_type), the smtp client's SASL implementation (Postfix offers V(cyrus)).
          type: str
          sample: cyrus
        sasl_client:
          description:
            - The Cyrus SASL client plugins, when the smtp client logs in (C(smtp_sasl_auth_enable=yes)) through
              V(cyrus); null otherwise, or when no plugin directory exists.
            - C(dirs) are the plugin directories found (C(/usr/lib/*/sasl2) and the like); C(mechanisms) the client
              mechanisms their plugin files provide (V(PLAIN) and V(LOGIN) are in Debian's C(libsasl2-modules)),
              from the file names alone.
          type: dict
          sample:
            dirs: [/usr/lib/x86_64-linux-gnu/sasl2]
            mechanisms: [ANONYMOUS, CRAM-MD5, LOGIN, PLAIN]
        sasl_security_options:
          description: Effective C(smtp_sasl_security_options) (Postfix's default is C(noplaintext, noanonymous)).
          type: list
          elements: str
        sasl_tls_security_options:
          description:
            - Effective C(smtp_sasl_tls_security_options), used once TLS is up (default
              C($smtp_sasl_security_options), expanded here).
          type: list
          elements: str
        password_maps:
          description: The tables of C(smtp_sasl_password_maps), in order.
          type: list
          elements: dict
          contains:
            map:
              description: The table as configured (C(type:name)), with C(static:)/C(inline:) data redacted.
              type: str
              sample: lmdb:/etc/postfix/sasl_passwd
            type:
              description: The table type (V(hash), V(lmdb), V(static), ...); null when the entry names no type.
              type: str
            name:
              description: The table name (the path of a file-based table); null for C(static:) and C(inline:).
              type: str
            files:
              description:
                - The files the table reads, from C(stat()) alone (a FIFO or device is never opened), none for
                  tables without files. C(role) says which file it is - V(source) (the text C(postmap) reads),
                  V(map) (what C(postmap) built - C(.db), C(.lmdb), C(.cdb), C(.dir)/C(.pag)), V(table) (read as is -
                  texthash, regexp, pcre, cidr) or V(config) (a database client's configuration file).
              type: list
              elements: dict
              contains:
                path:
                  description: Absolute path.
                  type: str
                role:
                  description: V(source), V(map), V(table) or V(config).
                  type: str
                exists:
                  description: Whether the path exists; null when that could not be told (see C(error)).
                  type: bool
                regular:
                  description: Whether it is a regular file (null when missing).
                  type: bool
                mode:
                  description: Permission bits as an octal string (null when missing).
                  type: str
                  sample: "0600"
                uid:
                  description: Owner uid.
                  type: int
                gid:
                  description: Group gid.
                  type: int
                owner:
                  description: Owner name (the uid as a string when it has no name).
                  type: str
                  sample: root
                group:
                  description: Group name (the gid as a string when it has no name).
                  type: str
                  sample: root
                readable_by_others:
                  description: Whether anyone but the owner may read it (group- or world-readable, mode & 0044).
                  type: bool
                error:
                  description:
                    - Why the file cannot serve as a table (not a regular file, a relative path, stat() refused), else
                      null.
                  type: str
        policy_maps:
          description: The tables of C(smtp_tls_policy_maps) (expanded), in order.
          type: list
          elements: str
        security_level:
          description: The smtp client's global level, as in RV(postfix_info.outbound.security_level).
          type: str
        security_level_source:
          description: Which parameter decided the global level.
          type: str
        policy_lookup:
          description:
            - V(postmap) when the TLS policy tables were consulted for every next hop, V(not_needed) when there was
              nothing to look up (no C(relayhost) or no C(smtp_tls_policy_maps)), V(unknown) when they could not be
              consulted (no C(postconf) - the files fallback - or no C(postmap)).
          type: str
        policy_lookup_note:
          description: Why the policy is unknown (also issued as a warning); null otherwise.
          type: str
        origins:
          description:
            - For the relay's C(smtp_*) parameters, where the value comes from (V(default), V(main.cf), V(master.cf)).
          type: dict
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
        not_before:
          description: Start of validity (UTC, ISO 8601).
          type: str
        not_yet_valid:
          description: Whether the start of validity lies in the future (clients that verify reject it).
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
          description:
            - Whether a SAN (or the CN without SANs) matches C(myhostname); a wildcard covers one label.
            - Decided by C(openssl x509 -checkhost), which matches the names as TLS clients do.
          type: bool
        key_matches:
          description: Whether the key file's public key equals the certificate's (null when the key was unreadable).
          type: bool
        public_key:
          description:
            - The certificate's public key (SubjectPublicKeyInfo) in PEM, the input of a TLSA 3 1 1 record.
            - Null when the certificate or its key file cannot be used (see RV(postfix_info.certificates[].error)).
          type: str
        error:
          description:
            - Why the certificate, or its key file, cannot be used (only then present), for example a missing file,
              a path that is not a regular file (C(/dev/zero), a FIFO, a directory, a symlink loop), a file larger than
              1 MiB, a file without a PEM certificate, or an C(openssl) command that did not finish in time.
            - Every other key of the entry is present as well; facts that could not be read are null.
          type: str
    fingerprints:
      description:
        - SHA-256 (hex) of C(main.cf), C(master.cf), every configured certificate and key file, and the files
          listed in O(fingerprint); V(null) for a file that is missing or unreadable.
        - Lets a caller tell whether anything changed since an earlier read. Key files are hashed, never returned.
      type: dict
      sample: {"/etc/postfix/main.cf": "3f0c...e1"}
    config_fingerprints:
      description:
        - SHA-256 (hex) of what Postfix reads from C(main.cf) (C(postconf -n)) and from C(master.cf) (C(postconf -M)
          and C(-P)), keyed C(main.cf) and C(master.cf). Unlike RV(postfix_info.fingerprints), they stay the same
          when a file is rewritten with the same values (C(postconf -e) of a value already set, comments, folded
          lines, column alignment, C(a, b) written as C(a,b) in a list) and change with any parameter, service field
          or C(-o) override. The text Postfix shows to clients (C(*_banner), C(*_reject_footer)) counts as written.
        - Comparable between reads of the same kind only (C(postconf) or, without it, the files).
      type: dict
      sample: {"main.cf": "9a1c...07", "master.cf": "52be...d3"}
    record:
      description:
        - The JSON object in the O(record) file; V(null) when O(record) is not set, the file is missing, or it does not
          hold a JSON object (then RV(postfix_info.record_error) says why).
      type: dict
      sample: {"format": 2, "parts": {"config": "9a1c...07"}}
    record_error:
      description:
        - Why the O(record) file could not be returned (not a regular file, larger than 64 KiB, unreadable, not a
          JSON object); absent when it was returned or is missing.
      type: str
    fingerprint_errors:
      description:
        - Why a file in RV(postfix_info.fingerprints) has no fingerprint (missing, not a regular file, larger than
          64 MiB, unreadable), by path. Special files such as C(/dev/zero) or a FIFO are never opened for reading.
      type: dict
      sample: {"/dev/zero": "/dev/zero is a character device, not a regular file"}
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
    openssl_version:
      description:
        - Version of the OpenSSL library (the C(Library:) part of C(openssl version)), the one Postfix loads on
          Debian; null without the C(openssl) command.
      type: str
      sample: 3.5.1
    map_types:
      description: The lookup table types this Postfix supports (C(postconf -m)); empty when read from files only.
      type: list
      elements: str
      sample: [btree, cidr, hash, lmdb, regexp]
    resolver:
      description:
        - The resolver configuration the smtp client uses for DNS (and so for DANE), from C(resolv.conf).
      type: dict
      contains:
        path:
          description:
            - The file read, the copy below C(queue_directory) when the C(smtp unix) service runs chrooted and
              that copy exists, else C(/etc/resolv.conf).
          type: str
        nameservers:
          description: The C(nameserver) addresses, in order (none means the resolver on this host).
          type: list
          elements: str
        error:
          description: Why the file could not be read (only then present).
          type: str
"""

import errno  # noqa: E402
import glob  # noqa: E402
import grp  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pwd  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import stat  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.mailsec.postfix.plugins.module_utils import (  # noqa: E402
    _bounded_io,
    _certinfo,
    _postfix_policy,
    _redact,
    _values,
)

PUBKEY_RE = re.compile(r"-----BEGIN PUBLIC KEY-----\n.*?-----END PUBLIC KEY-----\n", re.DOTALL)
POSTCONF_DIRS = ["/usr/sbin", "/usr/local/sbin"]
# The facts every certificate entry carries, null when unknown (not inspected, or unreadable):
# callers can read any of them without testing for its presence first.
CERTIFICATE_FACTS = (
    "subject",
    "common_name",
    "issuer",
    "sans",
    "self_signed",
    "not_after",
    "days_left",
    "expired",
    "not_before",
    "not_yet_valid",
    "key_type",
    "key_bits",
    "hostname",
    "covers_hostname",
    "key_matches",
    "public_key",
)
# All probes of SASL sockets together get this long; one probe at most SOCKET_TIMEOUT.
SOCKET_TIMEOUT = 2.0
SOCKET_BUDGET = 10.0
OPENSSL_VERSION_RE = re.compile(r"(?:Library: )?OpenSSL ([0-9][^ )]*)(?!.*Library:)")
RESOLV_CONF = "/etc/resolv.conf"
# Where libsasl2 loads its plugins from (Debian's multiarch directory first), and the plugin
# files that hold a client mechanism (the others are auxprop plugins such as sasldb).
SASL_PLUGIN_DIRS = ("/usr/lib/*/sasl2", "/usr/lib/sasl2", "/usr/lib64/sasl2", "/usr/local/lib/sasl2")
SASL_MECHANISM_PLUGINS = {
    "anonymous": "ANONYMOUS",
    "crammd5": "CRAM-MD5",
    "digestmd5": "DIGEST-MD5",
    "gs2": "GS2",
    "gssapiv2": "GSSAPI",
    "login": "LOGIN",
    "ntlm": "NTLM",
    "otp": "OTP",
    "passdss": "PASSDSS",
    "plain": "PLAIN",
    "scram": "SCRAM",
    "srp": "SRP",
}
_SASL_PLUGIN_RE = re.compile(r"^lib([a-z0-9]+)\.so(\.|$)")
# One postmap -q of the relay's next hop in one TLS policy table (a tcp: or proxy: table may not answer).
POLICY_LOOKUP_TIMEOUT = 10
# What a policy entry may show of its value (the level and its attributes).
POLICY_VALUE_LIMIT = 1000


def _command(argv, timeout=None, data=None):
    """(rc, out, err) of a command; a timeout or a command that cannot start is rc None and the reason."""
    try:
        return _bounded_io.run(argv, timeout=timeout or _bounded_io.COMMAND_TIMEOUT, data=data)
    except _bounded_io.CommandTimeout as exc:
        return None, "", str(exc)
    except OSError as exc:
        return None, "", "%s cannot be run: %s" % (argv[0], exc.strerror or exc)


def _checked(module, argv, what, result):
    rc, out, err = result
    if rc != 0:
        detail = err.strip() or out.strip()
        if rc is None:
            module.fail_json(msg="%s: %s" % (what, detail), cmd=argv)
        module.fail_json(msg="%s failed (rc=%d): %s" % (what, rc, detail), cmd=argv)
    return out


def check_config_files(module, config_dir):
    """main.cf and master.cf must be regular files of a sane size before postconf or this module opens them.

    A FIFO would block postconf forever and a directory gives a misleading "not found".
    A missing file is left to postconf (or the files fallback) to report.
    """
    for name in ("main.cf", "master.cf"):
        path = os.path.join(config_dir, name)
        if not os.path.lexists(path):
            continue
        try:
            _bounded_io.check_regular(path, _bounded_io.FINGERPRINT_LIMIT)
        except _bounded_io.UnreadableFile as exc:
            module.fail_json(msg="cannot read the Postfix configuration: %s" % exc)


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
    futures = [pool.submit(_command, argv) for argv, _what in calls]
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
            texts[name] = _bounded_io.decode(_bounded_io.read_regular(path, _bounded_io.FINGERPRINT_LIMIT))
        except _bounded_io.UnreadableFile as exc:
            module.fail_json(msg="cannot read %s: %s" % (path, exc))
    main = _postfix_policy.parse_params(texts["main.cf"])
    try:
        services = _postfix_policy.parse_services(texts["master.cf"])
    except ValueError as exc:
        module.fail_json(msg="cannot parse %s: %s" % (os.path.join(config_dir, "master.cf"), exc))
    return dict(_postfix_policy.FALLBACK_DEFAULTS), main, services


def _pem_text(path):
    """The text of a PEM file (regular, bounded); UnreadableFile otherwise."""
    return _bounded_io.decode(_bounded_io.read_regular(path, _bounded_io.PEM_FILE_LIMIT))


def pem_kinds(paths):
    """Which PEM objects (key, cert) each file holds; the key material is not kept.

    A file that cannot be read is left out: it is then taken for a certificate, and
    inspecting it reports why it is unusable.
    """
    kinds = {}
    for path in paths:
        try:
            text = _pem_text(path)
        except _bounded_io.UnreadableFile:
            continue
        found = set()
        if _certinfo.first_certificate_pem(text):
            found.add("cert")
        if "PRIVATE KEY-----" in text:
            found.add("key")
        kinds[path] = found
    return kinds


def _key_problem(path):
    """Why Postfix could not load the key file, or None (readable, or unreadable to this user only)."""
    try:
        info = _bounded_io.check_regular(path, _bounded_io.PEM_FILE_LIMIT)
    except _bounded_io.UnreadableFile as exc:
        # Key files are often readable by root only: without become that is not the key's fault.
        if exc.errno == errno.EACCES:
            return None
        return "key file %s" % exc
    if info.st_size == 0:
        # Also what /proc files report: openssl would read them as a stream, maybe forever.
        return "key file %s is empty" % path
    return None


def _blank_facts(entry):
    cert = dict(entry)
    for name in CERTIFICATE_FACTS:
        cert.setdefault(name, [] if name == "sans" else None)
    return cert


def inspect_certificates(openssl, entries, hostname, pool):
    """Facts for each certificate file.

    The module reads the file itself (a regular file of at most PEM_FILE_LIMIT bytes) and hands
    openssl x509 only its first certificate on standard input: a special file, a huge file or
    binary garbage ends as an ``error`` at once instead of a hang or minutes of parsing. When
    the key is readable, openssl pkey prints its public half. Every command has a timeout, and
    all of them run side by side.
    """
    jobs = []
    for entry in entries:
        cert = _blank_facts(entry)
        cert["hostname"] = hostname
        pem, x509, pkey = None, None, None
        try:
            pem = _certinfo.first_certificate_pem(_pem_text(entry["path"]))
            if pem is None:
                cert["error"] = "%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)" % entry["path"]
        except _bounded_io.UnreadableFile as exc:
            cert["error"] = str(exc)
        if not openssl and "error" not in cert:
            cert["error"] = "the openssl command is not installed"
        if "error" not in cert:
            argv = [openssl, "x509", "-noout", "-text", "-pubkey"]
            if hostname:
                # openssl's own name check (as TLS clients do it) decides covers_hostname.
                argv += ["-checkhost", hostname]
            x509 = pool.submit(_command, argv, None, pem.encode("ascii"))
            problem = _key_problem(entry["key_path"])
            if problem:
                cert["error"] = problem
            elif os.access(entry["key_path"], os.R_OK):
                # -passin pass: makes an encrypted key fail instead of prompting; only the public half is printed.
                argv = [openssl, "pkey", "-in", entry["key_path"], "-pubout", "-passin", "pass:"]
                pkey = pool.submit(_command, argv)
        jobs.append((cert, x509, pkey))
    certificates = []
    for cert, x509, pkey in jobs:
        certificates.append(cert)
        if x509 is None:
            continue
        rc, out, err = x509.result()
        if rc == 1 and hostname and ("Hostname %s does NOT match certificate" % hostname) in out.splitlines():
            rc = 0  # OpenSSL 3.2+ exits 1 when -checkhost finds no match; the certificate itself was read
        if rc != 0:
            cert["error"] = (err or out).strip() or "openssl x509 failed"
            continue
        match = PUBKEY_RE.search(out)
        cert_pub = match.group(0) if match else ""
        text = out.replace(cert_pub, "") if cert_pub else out
        key_pub = None
        if pkey is not None:
            rc, key_out, key_err = pkey.result()
            if rc is None:
                cert["error"] = "key file %s: %s" % (cert["key_path"], key_err)
            key_pub = key_out if rc == 0 else None
        cert.update(_certinfo.certificate_facts(text, hostname, cert_pub, key_pub))
        # A pair whose key Postfix cannot load is not served: no public key, so no TLSA record for it.
        cert["public_key"] = (cert_pub or None) if "error" not in cert else None
    return certificates


def fingerprints(info, config_dir, extra_paths):
    """SHA-256 of main.cf, master.cf, every configured certificate and key file and extra_paths,
    and why a file has none.

    Key files are hashed, never returned: a caller can tell that something changed since an
    earlier read without seeing any secret. Only regular files are read, so /dev/zero or a
    FIFO in the list is reported instead of read forever.
    """
    paths = [os.path.join(config_dir, "main.cf"), os.path.join(config_dir, "master.cf")]
    for entry in info["certificate_files"]:
        paths.extend([entry["path"], entry["key_path"]])
    paths.extend(extra_paths)
    digests, errors = {}, {}
    for path in paths:
        if not path or path in digests:
            continue
        try:
            digests[path] = _bounded_io.sha256_regular(path)
        except _bounded_io.UnreadableFile as exc:
            digests[path] = None
            errors[path] = str(exc)
    return digests, errors


RECORD_LIMIT = 64 * 1024


def read_record(path):
    """(the JSON object in path or None, why not or None); a missing file is no error."""
    if not os.path.lexists(path):
        return None, None
    try:
        data = _bounded_io.read_regular(path, RECORD_LIMIT)
    except _bounded_io.UnreadableFile as exc:
        return None, str(exc)
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, "%s is not JSON: %s" % (path, exc)
    if not isinstance(value, dict):
        return None, "%s holds a JSON %s, not an object" % (path, type(value).__name__)
    return value, None


# Text Postfix shows to clients as written: its spacing is part of the value.
_SHOWN_TEXT = re.compile(r"(_banner|_reject_footer)$")
_LIST_COMMA = re.compile(r"\s*,\s*")


def _meaning(name, value):
    """A parameter value as Postfix uses it: lists split on commas and white space, so
    "a, b", "a,b" and "a,\n    b" are one list (postconf -P cannot even write "a, b")."""
    if not isinstance(value, str) or _SHOWN_TEXT.search(name):
        return value
    return _LIST_COMMA.sub(",", _values.fold_whitespace(value))


def _without_options(args):
    """A service's command arguments without its -o name=value pairs."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "-o":
            skip = True
        else:
            out.append(arg)
    return out


def config_fingerprints(main, services):
    """SHA-256 of what Postfix reads from main.cf and from master.cf, by file name.

    Computed from the parsed reads (postconf -n, -M and -P, or the files themselves without
    postconf), not from the bytes: a rewrite that keeps every value (postconf -e of the same
    value, another tool's formatting, comments, folded lines, column alignment, list
    separators) keeps the fingerprint, and any changed parameter, service field or -o
    override changes it.
    """
    main_text = json.dumps({name: _meaning(name, value) for name, value in main.items()}, sort_keys=True)
    entries = [
        dict(
            entry,
            # the -o options count once, as the overrides postconf -P reports in force
            args=_without_options(entry.get("args") or []),
            overrides={name: _meaning(name, value) for name, value in (entry.get("overrides") or {}).items()},
        )
        for entry in services
    ]
    master_text = json.dumps(entries, sort_keys=True)
    return {
        "main.cf": hashlib.sha256(main_text.encode("utf-8")).hexdigest(),
        "master.cf": hashlib.sha256(master_text.encode("utf-8")).hexdigest(),
    }


def postfix_running(module, config_dir):
    """True/False from `postfix status` (exit 0 when the master process runs), None without the command.

    Returns (running, warning): a status check that does not finish in time is null with a warning.
    """
    postfix = module.get_bin_path("postfix", opt_dirs=POSTCONF_DIRS)
    if not postfix:
        return None, None
    rc, _out, err = _command([postfix, "-c", config_dir, "status"])
    if rc is None:
        return None, "postfix status: %s" % err
    return rc == 0, None


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
    deadline = time.monotonic() + SOCKET_BUDGET
    for entry in found.values():
        left = deadline - time.monotonic()
        if left <= 0:
            break  # reachable stays null: not probed within the budget
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(min(SOCKET_TIMEOUT, left))
        try:
            probe.connect(entry["path"])
            entry["reachable"] = True
        except (IOError, OSError, ValueError):
            entry["reachable"] = False
        finally:
            probe.close()
    return list(found.values())


def openssl_version(openssl):
    """The OpenSSL library version, "3.5.1" (the "Library:" part when the command reports both)."""
    if not openssl:
        return None
    rc, out, _err = _command([openssl, "version"])
    match = OPENSSL_VERSION_RE.search(out) if rc == 0 else None
    return match.group(1) if match else None


def map_types(postconf, config_dir):
    """Lookup table types of this Postfix (postconf -m), sorted."""
    rc, out, _err = _command([postconf, "-c", config_dir, "-m"])
    return sorted(out.split()) if rc == 0 else []


def resolver(info):
    """resolv.conf as the smtp client sees it: chrooted, it reads the copy below queue_directory."""
    chrooted = any(
        svc["name"] == "smtp" and svc["type"] == "unix" and svc.get("chroot") == "y" for svc in info["services"]
    )
    chroot_copy = os.path.join(info.get("queue_directory") or "/var/spool/postfix", "etc/resolv.conf")
    path = chroot_copy if chrooted and os.path.isfile(chroot_copy) else RESOLV_CONF
    facts = {"path": path, "nameservers": []}
    try:
        with open(path, "r", errors="replace") as handle:
            text = handle.read(65536)
    except (IOError, OSError) as exc:
        facts["error"] = str(exc)
        return facts
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            facts["nameservers"].append(fields[1])
    return facts


def _account_name(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def file_facts(path, role):
    """Owner, group and mode of a lookup table file, from stat() alone.

    The file is never opened: a password map's contents are none of this module's
    business, and stat() cannot block on a FIFO or read a device.
    """
    facts = {
        "path": path,
        "role": role,
        "exists": False,
        "regular": None,
        "mode": None,
        "uid": None,
        "gid": None,
        "owner": None,
        "group": None,
        "readable_by_others": None,
        "error": None,
    }
    if not path.startswith("/"):
        facts["exists"] = None
        facts["error"] = "%s is not an absolute path (Postfix daemons resolve it in their working directory)" % path
        return facts
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            facts["exists"] = None
            facts["error"] = "%s: %s" % (path, exc.strerror or exc)
        return facts
    mode = stat.S_IMODE(info.st_mode)
    facts.update(
        exists=True,
        regular=stat.S_ISREG(info.st_mode),
        mode="%04o" % mode,
        uid=info.st_uid,
        gid=info.st_gid,
        owner=_account_name(pwd.getpwuid, info.st_uid),
        group=_account_name(grp.getgrgid, info.st_gid),
        readable_by_others=bool(mode & (stat.S_IRGRP | stat.S_IROTH)),
    )
    if not facts["regular"]:
        try:
            _bounded_io.check_regular(path, sys.maxsize)
        except _bounded_io.UnreadableFile as exc:
            facts["error"] = str(exc)
    return facts


def policy_lookup(postmap, config_dir, nexthop, spec):
    """``postmap -q NEXTHOP TABLE``: the TLS policy entry of the next hop in one table.

    The files the lookup opens must be regular files (a FIFO would block postmap); the
    command is stopped after POLICY_LOOKUP_TIMEOUT seconds; a proxy: table is asked
    directly. postmap exits 1 both for "not found" and for a fatal error, which it
    reports on standard error.
    """
    result = {"map": spec, "found": None, "value": None, "error": None}
    if spec.startswith("-"):
        result["error"] = "%s is not a lookup table (type:name)" % spec
        return result
    for entry in _postfix_policy.table_files(spec, lookup_only=True):
        if not entry["path"].startswith("/"):
            result["error"] = "%s is not an absolute path" % entry["path"]
            return result
        try:
            _bounded_io.check_regular(entry["path"], sys.maxsize)
        except _bounded_io.UnreadableFile as exc:
            result["error"] = str(exc)
            return result
    query = spec
    while query.lower().startswith("proxy:"):
        # proxymap only relays the lookup (and needs a running Postfix): ask the table itself
        query = query[len("proxy:") :]
    rc, out, err = _command([postmap, "-c", config_dir, "-q", nexthop, query], timeout=POLICY_LOOKUP_TIMEOUT)
    problems = [line.strip() for line in err.splitlines() if "fatal:" in line or "error:" in line]
    if rc == 0:
        # ASCII white space only: a no-break space after "encrypt" is part of the value, as for Postfix
        result.update(found=True, value=out.strip(_postfix_policy.SPACE)[:POLICY_VALUE_LIMIT])
    elif rc == 1 and not problems:
        result["found"] = False
    else:
        result["error"] = (problems or [err.strip()])[-1] or "postmap -q exited with %s" % rc
    return result


def sasl_client_mechanisms():
    """{dirs, mechanisms}: the Cyrus SASL plugin directories and the client mechanisms their plugin
    files provide (names only, nothing is loaded); None when there is no plugin directory."""
    dirs = sorted(set(path for pattern in SASL_PLUGIN_DIRS for path in glob.glob(pattern) if os.path.isdir(path)))
    if not dirs:
        return None
    mechanisms = set()
    for path in dirs:
        try:
            names = os.listdir(path)
        except OSError:
            continue
        for name in names:
            match = _SASL_PLUGIN_RE.match(name)
            if match and match.group(1) in SASL_MECHANISM_PLUGINS:
                mechanisms.add(SASL_MECHANISM_PLUGINS[match.group(1)])
    return {"dirs": dirs, "mechanisms": sorted(mechanisms)}


def relay_facts(relay, postmap, config_dir, pool, files_only):
    """The relay view with stat facts of the password map files and the TLS policy of each next hop."""
    for entry in relay["password_maps"]:
        entry["files"] = [file_facts(item["path"], item["role"]) for item in entry["files"]]
    # the mechanisms the client can log in with (only looked at when it logs in through Cyrus SASL)
    relay["sasl_client"] = (
        sasl_client_mechanisms() if relay["sasl_auth_enable"] and relay.get("sasl_type") == "cyrus" else None
    )
    if relay["policy_lookup"] != "unknown":
        return relay
    if files_only or not postmap:
        relay["policy_lookup_note"] = (
            "%s is not installed: the TLS policy table (smtp_tls_policy_maps) was not consulted, so the TLS level "
            "for the relayhost is unknown" % ("postconf" if files_only else "postmap")
        )
        return relay
    # every next hop in every table at once; resolve_relay_policy keeps what Postfix would consult
    jobs = []
    for dest in relay["destinations"]:
        nexthop = dest["nexthop"]
        jobs.append(
            (nexthop, [pool.submit(policy_lookup, postmap, config_dir, nexthop, spec) for spec in relay["policy_maps"]])
        )
    lookups = dict((nexthop, [future.result() for future in futures]) for nexthop, futures in jobs)
    return _postfix_policy.resolve_relay_policy(relay, lookups)


def redact_view(info):
    """Inline credentials (static:user:pass, inline:{...}) in main.cf values and -o overrides never
    leave the module; the facts above were computed from the real values."""
    info["main"] = _redact.redact_params(info.get("main") or {})
    for item in (info.get("services") or []) + (info.get("listeners") or []) + [info.get("outbound") or {}]:
        if isinstance(item.get("overrides"), dict):
            item["overrides"] = _redact.redact_params(item["overrides"])
        if isinstance(item.get("args"), list):
            item["args"] = [_redact.redact(arg) for arg in item["args"]]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config_dir=dict(type="path", default="/etc/postfix"),
            inspect_certificates=dict(type="bool", default=True),
            fingerprint=dict(type="list", elements="path", default=[]),
            record=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    config_dir = module.params["config_dir"]
    if not os.path.isdir(config_dir):
        module.fail_json(msg="config_dir %s is not a directory" % config_dir)
    check_config_files(module, config_dir)
    postconf = module.get_bin_path("postconf", opt_dirs=POSTCONF_DIRS)
    warnings = []
    # Every external command below is independent of the others at its stage: `postfix status`
    # and the four postconf reads start together, then openssl for every certificate and key.
    with ThreadPoolExecutor(max_workers=8) as pool:
        running = pool.submit(postfix_running, module, config_dir) if postconf else None
        openssl = pool.submit(openssl_version, module.get_bin_path("openssl"))
        maps = pool.submit(map_types, postconf, config_dir) if postconf else None
        if postconf:
            defaults, main_params, services = read_with_postconf(module, postconf, config_dir, pool)
            source, defaults_source = "postconf", "postconf"
        else:
            defaults, main_params, services = read_files(module, config_dir)
            source, defaults_source = "files", "builtin"
            warnings.append("postconf not found: parsed main.cf/master.cf directly and assumed Postfix 3.7 defaults")
        meaning = config_fingerprints(main_params, services)
        info = _postfix_policy.build_view(defaults, main_params, services, config_dir=config_dir, source=source)
        chain_paths = [
            e["path"] for e in info["certificate_files"] if any(p.endswith("_chain_files") for p in e["params"])
        ]
        if chain_paths:
            info = _postfix_policy.build_view(
                defaults, main_params, services, config_dir=config_dir, source=source, pem_kinds=pem_kinds(chain_paths)
            )
        info["defaults_source"] = defaults_source
        postmap = module.get_bin_path("postmap", opt_dirs=POSTCONF_DIRS) if postconf else None
        info["relay"] = relay_facts(info["relay"], postmap, config_dir, pool, files_only=not postconf)
        if info["relay"]["policy_lookup"] == "unknown":
            warnings.append(info["relay"]["policy_lookup_note"])
        entries = info["certificate_files"]
        if module.params["inspect_certificates"]:
            certificates = inspect_certificates(module.get_bin_path("openssl"), entries, info["myhostname"], pool)
        else:
            certificates = [_blank_facts(entry) for entry in entries]
        info["running"], status_warning = running.result() if running else (None, None)
        if status_warning:
            warnings.append(status_warning)
    info["certificates"] = certificates
    info["fingerprints"], info["fingerprint_errors"] = fingerprints(info, config_dir, module.params["fingerprint"])
    info["config_fingerprints"] = meaning
    if module.params["record"]:
        info["record"], error = read_record(module.params["record"])
        if error:
            info["record_error"] = error
    else:
        info["record"] = None
    info["sasl_sockets"] = sasl_sockets(info)
    info["openssl_version"] = openssl.result()
    info["map_types"] = maps.result() if maps else []
    info["resolver"] = resolver(info)
    redact_view(info)
    for warning in warnings:
        module.warn(_bounded_io.json_safe(warning))
    module.exit_json(changed=False, postfix_info=_bounded_io.json_safe(info))


if __name__ == "__main__":
    main()
