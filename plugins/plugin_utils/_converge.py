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

import hashlib
import json
from collections.abc import Mapping

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


# The parts of a converge, in the order the role runs them. A part is due when its digest
# differs from the record's or when the read shows it broken; "config" (main.cf, master.cf,
# lookup tables, reload, health check, record) runs whenever anything is due.
PARTS = ("certificates", "dovecot", "config")
RECORD_FORMAT = 2


def _digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def part_digests(info, specs):
    """{part: SHA-256} for a server as ``info`` (a postfix_info read) shows it.

    ``specs`` is {part: {"inputs": role variables, "code": digest of the code, "files": paths}}
    for the parts the role manages. A file counts by its fingerprint in the read (None when
    missing). The certificate part also covers every certificate and key file Postfix names and
    myhostname (the name issued certificates carry); the configuration part covers the Postfix
    version and what Postfix reads from main.cf and master.cf (config_fingerprints), so another
    tool writing the same values back changes nothing.
    """
    fingerprints = info.get("fingerprints") or {}
    out = {}
    for part, spec in specs.items():
        if part not in PARTS:
            raise ConvergeError("unknown part %r (known: %s)" % (part, ", ".join(PARTS)))
        paths = list(spec.get("files") or [])
        extra = {}
        if part == "certificates":
            for entry in info.get("certificate_files") or []:
                paths += [entry.get("path"), entry.get("key_path")]
            extra = {"myhostname": info.get("myhostname")}
        elif part == "config":
            extra = {"postfix": info.get("version"), "config": info.get("config_fingerprints")}
        files = {path: fingerprints.get(path) for path in paths if path}
        out[part] = _digest({"inputs": spec.get("inputs"), "code": spec.get("code"), "files": files, "read": extra})
    return out


def record(info, specs, chain_files=None):
    """The record a converge that leaves the server as ``info`` shows it writes (nothing secret:
    digests, and the certificate files smtpd serves)."""
    return {"format": RECORD_FORMAT, "parts": part_digests(info, specs), "chain_files": list(chain_files or [])}


# The reasons that make every part due (nothing is known to be in place).
RELAY_SASL_MISSING = "the smtp client has no SASL mechanism to log in to the relay with"
_EVERY_PART = ("postfix_hardening_fast_path is false", "no record of an earlier converge", "the record was written by")


def _record_reasons(info, inputs):
    """{part: [reason]} from comparing the record with what it would be now."""
    expected = inputs["parts"]
    recorded = info.get("record")
    state = inputs.get("state_file") or "the record file"
    if recorded is None:
        why = info.get("record_error")
        text = "no record of an earlier converge (%s)" % (why or state)
        return {part: [text] for part in expected}
    if recorded.get("format") != RECORD_FORMAT or not isinstance(recorded.get("parts"), Mapping):
        return {part: ["the record was written by an older version of the role"] for part in expected}
    what = {
        "certificates": "certificate settings, certificate or key files, or myhostname differ from the last converge",
        "dovecot": "Dovecot settings or the Dovecot drop-in differ from the last converge",
        "config": "role variables, collection code or managed files differ from the last converge",
    }
    return {part: [what[part]] for part, digest in expected.items() if recorded["parts"].get(part) != digest}


def _hash_reasons(info, inputs):
    """The single-record comparison (inputs expected_record): the filter's original form."""
    state_file = inputs.get("state_file")
    if not state_file:
        raise ConvergeError("state_file is required")
    recorded = (info.get("fingerprints") or {}).get(state_file)
    if recorded is None:
        return ["no record of an earlier converge (%s)" % state_file]
    if recorded != inputs.get("expected_record"):
        return ["role variables, collection code or managed files differ from the last converge"]
    return []


def relay_sasl_missing(info):
    """Whether the read found the smtp client logging in through Cyrus SASL without a mechanism
    to log in with (the finding relay_sasl_no_mechanism; the role installs them again)."""
    relay = info.get("relay") or {}
    client = relay.get("sasl_client")
    if not relay.get("sasl_auth_enable") or not isinstance(client, dict):
        return False
    return not [mech for mech in client.get("mechanisms") or [] if mech != "ANONYMOUS"]


def due(info, inputs):
    """{part: [reasons]} for every part that is due (empty: the fast path), parts in run order."""
    found = {}

    def add(part, reason):
        found.setdefault(part, [])
        if reason not in found[part]:
            found[part].append(reason)

    parts = inputs.get("parts")
    managed = list(parts) if parts is not None else ["config"]
    if not _switch(inputs, "fast_path", True):
        for part in managed:
            add(part, "postfix_hardening_fast_path is false")
    if parts is not None:
        for part, texts in _record_reasons(info, inputs).items():
            for text in texts:
                add(part, text)
    else:
        for text in _hash_reasons(info, inputs):
            add("config", text)
    if not info.get("running"):
        add("config", "Postfix is not running")
    sockets = info.get("sasl_sockets") or []
    dovecot_wanted = inputs.get("sasl_backend") == "dovecot" and _switch(inputs, "dovecot_configure", True)
    if any(not sock.get("reachable") for sock in sockets) or (dovecot_wanted and not sockets):
        add("dovecot" if "dovecot" in managed else "config", "the Dovecot SASL socket does not answer")
    if relay_sasl_missing(info):
        add("config", RELAY_SASL_MISSING)
    cert_part = "certificates" if "certificates" in managed else "config"
    certs = _server_certificates(info)
    if any("error" in cert or not cert.get("key_matches") for cert in certs):
        add(cert_part, "a server certificate is unreadable or does not match its key")
    renew_days = int(inputs.get("renew_days", 30))
    if inputs.get("cert_mode") == "private_ca" and any(
        cert.get("days_left") is not None and int(cert["days_left"]) <= renew_days for cert in certs
    ):
        add(cert_part, "a server certificate is due for renewal")
    if inputs.get("fetched_missing"):
        add(cert_part, "a fetched CA file is missing on the controller")
    if found:
        found.setdefault("config", [])  # main.cf, master.cf, reload and record follow any other part
    return {part: found[part] for part in PARTS if part in found}


def reasons(info, inputs):
    """The reasons for a full converge, in a fixed order (empty: the fast path)."""
    return plan(info, inputs)["reasons"]


def summary(info, parts, skipped=()):
    """One line for the report: which way the run went and why."""
    if parts:
        found = []
        for texts in parts.values():
            found += [text for text in texts if text not in found]
        note = (" Not due, skipped: %s." % ", ".join(skipped)) if skipped else ""
        return "Full converge: %s.%s" % ("; ".join(found), note)
    dovecot = ", Dovecot answering" if info.get("sasl_sockets") else ""
    return (
        "Unchanged since the last converge (same role variables and code, same configuration, same managed files, "
        "Postfix running%s): "
        "certificates, Dovecot and configuration were skipped; the audit and the DNS records use one read." % dovecot
    )


def plan(info, inputs):
    """{reasons, summary, full}, and with inputs "parts" also due, the parts to run (run order,
    empty for the fast path), and why, their reasons by part."""
    parts = due(info, inputs)
    found = []
    for texts in parts.values():
        found += [text for text in texts if text not in found]
    skipped = [part for part in inputs.get("parts") or {} if parts and part not in parts]
    result = {"reasons": found, "summary": summary(info, parts, skipped), "full": bool(parts)}
    if "parts" in inputs:
        result["due"] = list(parts)
        result["why"] = parts
        # no usable record, or the fast path switched off: nothing is known to be in place
        # (those reasons come first, and are given to every part)
        result["everything"] = bool(found) and found[0].startswith(_EVERY_PART)
        result["relay_sasl_missing"] = relay_sasl_missing(info)
    return result


def _changed(result):
    """Whether a registered task result (or a plain bool) says the file would be written."""
    if isinstance(result, Mapping):
        return bool(result.get("changed"))
    return bool(result)


def drift(config_plan, files=None):
    """What a check-mode converge found different from what the role writes, one phrase per kind:
    the main.cf parameters and master.cf services the ``postfix_config`` prediction ``config_plan``
    would change (a duplicate it would remove counts as a change of that parameter), then the files
    whose template task would write them. ``files`` is a list of ``{name, result}`` (``result``: the
    registered task result, or a bool). Empty: nothing drifted."""
    plan = config_plan if isinstance(config_plan, Mapping) else {}
    params = []
    for name in list(plan.get("changed_params") or []) + list(plan.get("removed_duplicates") or []):
        if name not in params:
            params.append(name)
    services = list(plan.get("changed_services") or [])
    written = []
    for entry in files or []:
        if not isinstance(entry, Mapping) or not entry.get("name"):
            raise ConvergeError("each file must be a dict with a name and a result, got %r" % (entry,))
        if _changed(entry.get("result")):
            written.append(str(entry["name"]))
    out = []
    for label, names in (("main.cf parameter(s)", params), ("master.cf service(s)", services), ("file(s)", written)):
        if names:
            out.append("%s %s" % (label, ", ".join(names)))
    return out
