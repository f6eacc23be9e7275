"""Offline stand-in for get-pip.py, used by ansible-test to bootstrap pip in its venvs.

ansible-test downloads get-pip from a host that is not reachable here. This script keeps
get-pip's contract: bootstrap pip with the interpreter's bundled wheel (ensurepip), then
run `pip install` with the arguments ansible-test passed.
"""

import ensurepip
import os
import subprocess
import sys

GET_PIP_ONLY_FLAGS = {"--no-setuptools", "--no-wheel"}


def main():
    ensurepip.bootstrap(upgrade=True)
    # ensurepip sets PIP_CONFIG_FILE=/dev/null, which would hide the machine's pip.conf
    # (and with it the CA bundle and index the package proxy needs).
    os.environ.pop("PIP_CONFIG_FILE", None)
    args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY_FLAGS]
    if not args:
        return 0
    return subprocess.call([sys.executable, "-m", "pip", "install", *args])


if __name__ == "__main__":
    sys.exit(main())
