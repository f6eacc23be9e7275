"""Probe Postfix listeners like a client would; print one JSON document.

Usage: smtp_probe.py HOST SPEC [SPEC...]   where SPEC is [ADDRESS:]PORT:MODE and MODE is
starttls (plain connect, then STARTTLS) or wrapper (TLS from the first byte).
Standard library only: it runs on the managed node after a reload.
"""

import json
import smtplib
import socket
import ssl
import sys

TIMEOUT = 15


def _context():
    # The health check proves the listener works; certificate trust is audited elsewhere.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def probe(host, port, mode):
    result = {"port": port, "mode": mode, "ok": False}
    try:
        if mode == "wrapper":
            client = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=_context())
            result["banner"] = True
            result["tls_version"] = client.sock.version()
        else:
            client = smtplib.SMTP(host, port, timeout=TIMEOUT)
            code = client.ehlo("healthcheck.invalid")
            result["banner"] = code[0] == 250
            result["starttls_offered"] = client.has_extn("starttls")
            result["auth_before_tls"] = client.has_extn("auth")
            if not result["starttls_offered"]:
                result["error"] = "STARTTLS not offered"
                client.quit()
                return result
            client.starttls(context=_context())
            result["tls_version"] = client.sock.version()
        code = client.ehlo("healthcheck.invalid")
        result["ehlo_after_tls"] = code[0] == 250
        result["auth_after_tls"] = client.has_extn("auth")
        result["auth_mechanisms"] = sorted(client.esmtp_features.get("auth", "").split())
        client.quit()
        result["ok"] = result["ehlo_after_tls"]
    except (OSError, smtplib.SMTPException, ssl.SSLError, socket.timeout) as exc:
        result["error"] = "%s: %s" % (type(exc).__name__, exc)
    return result


def main(argv):
    default_host = argv[1]
    results = []
    for spec in argv[2:]:
        # PORT:MODE, or ADDRESS:PORT:MODE for a listener bound to one address
        parts = spec.rsplit(":", 2)
        host, port, mode = parts if len(parts) == 3 else [default_host, *parts]
        host = host.strip("[]")  # master.cf writes IPv6 addresses as [::1]
        result = probe(host, int(port), mode)
        result["host"] = host
        results.append(result)
    print(json.dumps({"host": default_host, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
