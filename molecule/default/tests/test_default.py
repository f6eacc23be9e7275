"""Behaviour of the converged mail server, checked like an SMTP client would."""


def test_postfix_active_under_systemd(host):
    assert host.run("systemctl is-system-running --wait").stdout.strip() in {"running", "degraded"}
    assert host.service("postfix").is_running


def test_port25_answers_ehlo_with_starttls(host):
    out = host.run("swaks --server 127.0.0.1 --port 25 --quit-after EHLO --helo probe.example.net")
    assert out.rc == 0, out.stdout + out.stderr
    assert "250-STARTTLS" in out.stdout or "250 STARTTLS" in out.stdout
