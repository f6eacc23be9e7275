"""A throwaway SMTP listener on loopback that offers STARTTLS, for setup's host-tool checks.

Usage: starttls_listener.py CERT KEY PORTFILE
Binds 127.0.0.1 on a free port, writes the port to PORTFILE, and serves until killed.
Each connection gets a minimal SMTP dialogue: EHLO advertises STARTTLS; after the TLS
handshake EHLO again, then QUIT. Just enough for swaks -tls and testssl.sh -t smtp to
prove they can start TLS; it never accepts mail.
"""

import socket
import ssl
import sys
import threading


def dialogue(conn, ctx):
    stream = conn.makefile("rwb", buffering=0)
    stream.write(b"220 localhost ESMTP setup check\r\n")
    tls = False
    while True:
        line = stream.readline(1024)
        if not line:
            return
        verb = line.strip().split(b" ", 1)[0].upper()
        if verb in (b"EHLO", b"HELO"):
            stream.write(b"250-localhost\r\n" + (b"" if tls else b"250-STARTTLS\r\n") + b"250 8BITMIME\r\n")
        elif verb == b"STARTTLS" and not tls:
            stream.write(b"220 2.0.0 Ready to start TLS\r\n")
            conn = ctx.wrap_socket(conn, server_side=True)
            stream = conn.makefile("rwb", buffering=0)
            tls = True
        elif verb == b"QUIT":
            stream.write(b"221 2.0.0 Bye\r\n")
            return
        else:
            stream.write(b"502 5.5.2 Not implemented in the setup check\r\n")


def serve(conn, ctx):
    try:
        conn.settimeout(30)
        dialogue(conn, ctx)
    except (OSError, ssl.SSLError):
        pass  # a scanner probing odd protocols: drop that connection only
    finally:
        conn.close()


def main():
    cert, key, portfile = sys.argv[1:4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    with open(portfile, "w", encoding="ascii") as handle:
        handle.write(str(server.getsockname()[1]))
    while True:
        conn = server.accept()[0]
        threading.Thread(target=serve, args=(conn, ctx), daemon=True).start()


if __name__ == "__main__":
    main()
