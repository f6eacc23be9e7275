"""molecule/default: the hardened baseline on stock Debian 12 / 13, checked as a client.

The client checks shared with molecule/legacy are in molecule/resources/tests/test_listeners.py;
molecule.yml adds that file to this scenario's verifier run.
"""


def test_postfix_and_dovecot_active_under_systemd(host):
    assert host.run("systemctl is-system-running --wait").stdout.strip() in {"running", "degraded"}
    assert host.service("postfix").is_running
    assert host.service("dovecot").is_running
