# -*- coding: utf-8 -*-
# Copyright: mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse what ``postconf`` prints, or main.cf/master.cf text when postconf is missing.

``postconf -n``/``-d`` print main.cf syntax (one ``name = value`` a line) and
``postconf -M`` prints master.cf syntax (one service a line), so both go
through the shared main.cf/master.cf parsers (_maincf, _mastercf), exactly like
the files read when postconf is missing; ``postconf -P`` prints the ``-o``
overrides as ``service/type/name = value``. Pure functions, stdlib only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailsec.postfix.plugins.module_utils import _maincf, _mastercf
from ansible_collections.mailsec.postfix.plugins.module_utils._values import fold_whitespace


def parse_params(text):
    """Parameters of main.cf text or ``postconf -n``/``-d`` output: last setting wins."""
    return _maincf.parse(text or "").effective_values()


def _service_entry(view):
    fields = [token.value for token in view.tokens[:8]]
    # postconf -P prints override values with whitespace folded; arguments in
    # { } groups are folded the same way so both sources give the same view.
    args = [fold_whitespace(token.value) if token.braced else token.value for token in view.tokens[8:]]
    overrides = {}
    for option in view.options:
        overrides[option.name] = fold_whitespace(option.value)
    return {
        "name": fields[0],
        "type": fields[1],
        "private": fields[2],
        "unpriv": fields[3],
        "chroot": fields[4],
        "wakeup": fields[5],
        "maxproc": fields[6],
        "command": fields[7],
        "args": args,
        "overrides": overrides,
    }


def parse_services(text):
    """Service entries of master.cf text or ``postconf -M`` output.

    ``-o`` overrides end where Postfix's getopt ends them (at the first
    operand). Entries with fewer than eight fields are skipped; unbalanced
    braces raise MasterCfError naming the service.
    """
    services = []
    for service in _mastercf.parse(text or "").services():
        try:
            if len(_mastercf.tokenize(service)) < 8:
                continue
            view = _mastercf.analyse(service)
        except _mastercf.MasterCfError as exc:
            raise _mastercf.MasterCfError("service %s: %s" % (_mastercf.service_label(service.key), exc)) from None
        services.append(_service_entry(view))
    return services


def parse_overrides(text):
    """Parse ``postconf -P`` output: ``service/type/name = value``."""
    overrides = {}
    for key, value in parse_params(text).items():
        parts = key.split("/")
        if len(parts) == 3:
            overrides.setdefault((parts[0], parts[1]), {})[parts[2]] = value
    return overrides


def attach_overrides(services, overrides):
    """Prefer ``postconf -P`` overrides (authoritative) over the -M argv parse."""
    for svc in services:
        key = (svc["name"], svc["type"])
        if key in overrides:
            svc["overrides"] = dict(overrides[key])
    return services
