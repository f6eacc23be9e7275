# Copyright (c) mailsec.postfix contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""findings.json: the report model as JSON, for scripts.

Top-level keys: ``generated``, ``profile``, ``audit_fail_on``, ``result``,
``summary``, ``tool``, ``checks``, ``hosts`` and ``findings``; each finding has
``host``, ``id``, ``severity``, ``service``, ``message``, ``fix``, ``blocking``,
``file`` and ``title``.
"""

import json

SCHEMA_VERSION = 1


def render(model):
    doc = {
        "schema_version": SCHEMA_VERSION,
        "generated": model["generated"],
        "profile": model["profile"],
        "audit_fail_on": model["audit_fail_on"],
        "result": model["result"],
        "summary": model["summary"],
        "tool": model["tool"],
        "checks": [{"id": c["id"], "title": c["title"]} for c in model["checks"]],
        "hosts": model["hosts"],
        "findings": model["findings"],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
