"""molecule/default: the hardened baseline on stock Debian 12 / 13, checked as a client."""

from listener_checks import *  # noqa: F403  (the shared client checks are this scenario's tests)


def test_postfix_and_dovecot_active_under_systemd(host):
    assert host.run("systemctl is-system-running --wait").stdout.strip() in {"running", "degraded"}
    assert host.service("postfix").is_running
    assert host.service("dovecot").is_running
