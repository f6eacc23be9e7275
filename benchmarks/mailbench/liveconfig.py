# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a configuration run changed, read from Postfix itself.

A snapshot is `postconf -n`, `postconf -M` and `postconf -P` of the live server. Two
snapshots (pristine, then after the role's warm-up run) give the change every other Part 1
variant re-applies: main.cf parameters set (new or different values) and removed, master.cf
entries added or redefined (fields and arguments) and removed, `-o` overrides set and
removed. Nothing here knows the role's variables.
"""

import re

SNAPSHOT_SCRIPT = "postconf -n; echo ==; postconf -M; echo ==; postconf -P"
# A master.cf token as postconf -M prints it: "{name=value with spaces}" or a plain word.
TOKEN_RE = re.compile(r"\{[^}]*\}|\S+")
FIELD_COUNT = 8  # service type private unpriv chroot wakeup maxproc command


def read_snapshot(container):
    return container.sh(SNAPSHOT_SCRIPT)


def signature(text):
    """postconf -n/-M/-P text, normalised: "a, b" and "a,b" are the same list, {} only quote, order ignored."""
    text = text.replace(",", ", ").replace("{", "").replace("}", "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # Service order in master.cf does not matter to Postfix (postconf -M appends, the module
    # keeps the position of the commented template): compare sorted.
    return sorted(line for line in lines if not line.startswith("config_directory"))


def _assignments(text):
    """Lines "name = value" (postconf -n, -P) as (name, value) pairs."""
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            yield name.strip(), value.strip()


def _option_name(token):
    """The parameter name in a -o argument as postconf -M prints it: name=value or {name=value}."""
    if token.startswith("{") and token.endswith("}"):
        token = token[1:-1]
    return token.partition("=")[0].strip()


def _services(text):
    """postconf -M: ({"name/type": {"fields": [8 fields], "args": [...]}}, ["name/type/param" in -o order]).

    The -o values are left to postconf -P; only their order is taken from here.
    """
    services = {}
    option_order = []
    for line in text.splitlines():
        tokens = TOKEN_RE.findall(line)
        if len(tokens) < FIELD_COUNT:
            continue
        key = "%s/%s" % (tokens[0], tokens[1])
        args = []
        rest = iter(tokens[FIELD_COUNT:])
        for token in rest:
            if token == "-o":
                option_order.append("%s/%s" % (key, _option_name(next(rest, ""))))
            else:
                args.append(token)
        services[key] = {"fields": tokens[:FIELD_COUNT], "args": args}
    return services, option_order


def parse_snapshot(text):
    """{"params": {name: value}, "services": {...}, "overrides": {"name/type/param": value}}."""
    sections = [[]]
    for line in text.splitlines():
        if line.strip() == "==":
            sections.append([])
        else:
            sections[-1].append(line)
    if len(sections) != 3:
        raise RuntimeError("unexpected postconf snapshot (%d sections):\n%s" % (len(sections), text[-2000:]))
    main_text, master_text, override_text = ("\n".join(lines) for lines in sections)
    services, option_order = _services(master_text)
    listed = dict(_assignments(override_text))
    # postconf -P sorts; keep master.cf's order, so that re-applying them writes the same entries.
    overrides = {key: listed[key] for key in option_order if key in listed}
    overrides.update((key, value) for key, value in listed.items() if key not in overrides)
    return {"params": dict(_assignments(main_text)), "services": services, "overrides": overrides}


def service_of(override):
    """Split an override key: submission/inet/syslog_name -> ("submission/inet", "syslog_name")."""
    service, _sep, name = override.rpartition("/")
    return service, name


def _changed_services(before, after):
    return {key: entry for key, entry in after["services"].items() if before["services"].get(key) != entry}


def _changed_overrides(before, after, redefined, removed_services):
    # postconf -M replaces a whole entry, -o lines included: a redefined service gets all its overrides again.
    overrides_set = {
        key: value
        for key, value in after["overrides"].items()
        if service_of(key)[0] in redefined or before["overrides"].get(key) != value
    }
    gone = set(redefined) | set(removed_services)
    overrides_removed = [
        key for key in before["overrides"] if key not in after["overrides"] and service_of(key)[0] not in gone
    ]
    return overrides_set, overrides_removed


def change(before, after):
    """What turned snapshot before into snapshot after (both parsed)."""
    services = _changed_services(before, after)
    services_removed = [key for key in before["services"] if key not in after["services"]]
    overrides_set, overrides_removed = _changed_overrides(before, after, services, services_removed)
    touched = set(services) | {service_of(key)[0] for key in list(overrides_set) + overrides_removed}
    return {
        "params_set": {name: value for name, value in after["params"].items() if before["params"].get(name) != value},
        "params_removed": [name for name in before["params"] if name not in after["params"]],
        "services": services,
        "services_removed": services_removed,
        "overrides_set": overrides_set,
        "overrides_removed": overrides_removed,
        # every override of each service the change touches, as it stands afterwards
        "service_options": {
            key: {
                service_of(override)[1]: value
                for override, value in after["overrides"].items()
                if service_of(override)[0] == key
            }
            for key in sorted(touched)
        },
    }


def counts(delta):
    return {
        "main_cf_set": len(delta["params_set"]),
        "main_cf_removed": len(delta["params_removed"]),
        "services": len(delta["services"]),
        "services_removed": len(delta["services_removed"]),
        "overrides_set": len(delta["overrides_set"]),
        "overrides_removed": len(delta["overrides_removed"]),
    }
