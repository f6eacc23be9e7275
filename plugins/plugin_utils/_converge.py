# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether the role must converge, and why (controller side, pure).

The role reads the server once (``mailsec.postfix.postfix_info``, with the fingerprints of
the files it manages and of its record of the last successful converge). ``plan()`` turns
that read into the reasons for a full converge; no reason means the server is exactly as
the last converge left it and the rest of the role has nothing to do.

The record is the SHA-256 of a JSON digest of the role's inputs and the managed files'
fingerprints (computed by the role, which can read its own files); here it is only
compared.
"""

from ansible.module_utils.parsing.convert_bool import boolean


class ConvergeError(ValueError):
    """Inputs the decision cannot be made from."""


def _switch(inputs, name, default):
    """A boolean input as Ansible reads one: -e name=false arrives as the string "false"."""
    value = inputs.get(name, default)
    try:
        return boolean(value, strict=True)
    except TypeError as exc:
        raise ConvergeError("%s must be a boolean, got %r" % (name, value)) from exc


def _server_certificates(info):
    return [cert for cert in info.get("certificates") or [] if cert.get("used_by") != ["outbound"]]


def reasons(info, inputs):
    """The reasons for a full converge, in a fixed order (empty: the fast path)."""
    out = []
    if not _switch(inputs, "fast_path", True):
        out.append("postfix_hardening_fast_path is false")
    state_file = inputs.get("state_file")
    if not state_file:
        raise ConvergeError("state_file is required")
    recorded = (info.get("fingerprints") or {}).get(state_file)
    if recorded is None:
        out.append("no record of an earlier converge (%s)" % state_file)
    elif recorded != inputs.get("expected_record"):
        out.append("role variables, collection code or managed files differ from the last converge")
    if not info.get("running"):
        out.append("Postfix is not running")
    sockets = info.get("sasl_sockets") or []
    dovecot_wanted = inputs.get("sasl_backend") == "dovecot" and _switch(inputs, "dovecot_configure", True)
    if any(not sock.get("reachable") for sock in sockets) or (dovecot_wanted and not sockets):
        out.append("the Dovecot SASL socket does not answer")
    certs = _server_certificates(info)
    if any("error" in cert or not cert.get("key_matches") for cert in certs):
        out.append("a server certificate is unreadable or does not match its key")
    renew_days = int(inputs.get("renew_days", 30))
    if inputs.get("cert_mode") == "private_ca" and any(
        cert.get("days_left") is not None and int(cert["days_left"]) <= renew_days for cert in certs
    ):
        out.append("a server certificate is due for renewal")
    if inputs.get("fetched_missing"):
        out.append("a fetched CA file is missing on the controller")
    return out


def summary(info, found):
    """One line for the report: which way the run went and why."""
    if found:
        return "Full converge: %s." % "; ".join(found)
    dovecot = ", Dovecot answering" if info.get("sasl_sockets") else ""
    return (
        "Unchanged since the last converge (same role variables and code, same configuration, same managed files, "
        "Postfix running%s): "
        "certificates, Dovecot and configuration were skipped; the audit and the DNS records use one read." % dovecot
    )


def plan(info, inputs):
    found = reasons(info, inputs)
    return {"reasons": found, "summary": summary(info, found), "full": bool(found)}
