"""Run this scenario's converge.yml against one container with ansible-playbook, as an operator would.

Shared by the test files of molecule/default, which load it by path (pytest runs with
--import-mode=importlib, so this directory is not on sys.path).
"""

import json
import os
import re
import subprocess

SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
TARGET = "mailsec-default-debian12"


def converge(*args, extra=None, timeout=900):
    """(return code, stdout + stderr) of converge.yml limited to TARGET; extra: -e as JSON."""
    cmd = ["ansible-playbook", "-i", INVENTORY, "--limit", TARGET, os.path.join(SCENARIO, "converge.yml"), *args]
    if extra is not None:
        cmd += ["-e", json.dumps(extra)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def recap(output):
    """TARGET's PLAY RECAP counts."""
    match = re.search(rf"{TARGET}\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output)
    assert match, output[-3000:]
    ok, changed, unreachable, failed = (int(x) for x in match.groups())
    return {"ok": ok, "changed": changed, "unreachable": unreachable, "failed": failed}


def changed_tasks(output):
    """The names of the tasks and handlers that reported changed for TARGET, in run order."""
    names = []
    blocks = re.findall(
        r"^(?:TASK|RUNNING HANDLER) \[([^\]]*)\][^\n]*\n(.*?)(?=^TASK \[|^RUNNING HANDLER \[|^PLAY)",
        output,
        re.M | re.S,
    )
    for header, body in blocks:
        if re.search(rf"^changed: \[{re.escape(TARGET)}[\] ]", body, re.M):
            names.append(header.split(" : ", 1)[-1])
    return names
