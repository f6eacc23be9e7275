#!/usr/bin/env bash
# make demo: a throwaway Debian 12 container configured like the user's legacy server,
# audited, hardened with playbooks/harden.yml, audited again, then checked live.
# make demo-clean (scripts/demo.sh --clean) removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=mailsec-demo
IMAGE=localhost/mailsec-demo:bookworm
WORK=.build/demo
export ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-$PWD/.build/collections}
export ANSIBLE_NOCOLOR=1 ANSIBLE_DISPLAY_SKIPPED_HOSTS=false ANSIBLE_DISPLAY_OK_HOSTS=false
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_HOST_KEY_CHECKING=false
PLAYBOOK=.venv/bin/ansible-playbook
start=$(date +%s)

step() { printf '\n[%3ss] == %s\n' "$(( $(date +%s) - start ))" "$*"; }

if [ "${1:-}" = "--clean" ]; then
  podman rm -f "$NAME" >/dev/null 2>&1 && echo "removed container $NAME" || echo "no container $NAME"
  rm -rf "$WORK"
  exit 0
fi

step "building the demo image (cached after the first run)"
podman build -q -t "$IMAGE" -f scripts/demo/Containerfile scripts/demo >/dev/null

step "starting a throwaway Debian 12 container ($NAME) with systemd"
podman rm -f "$NAME" >/dev/null 2>&1 || true
read -r P25 P587 P465 < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
PY
)
podman run -d --name "$NAME" --hostname example.com --systemd=always \
  -p "127.0.0.1:$P25:25" -p "127.0.0.1:$P587:587" -p "127.0.0.1:$P465:465" \
  "$IMAGE" /lib/systemd/systemd >/dev/null
echo "ports on 127.0.0.1: 25 -> $P25, 587 -> $P587, 465 -> $P465"

mkdir -p "$WORK"
cat > "$WORK/inventory.ini" <<INV
[mailservers]
# root in the container already: no sudo there
$NAME ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3 ansible_become=false
INV
run() { "$PLAYBOOK" -i "$WORK/inventory.ini" "$@" >"$WORK/last.log" 2>&1 || { tail -40 "$WORK/last.log"; exit 1; }; }

step "configuring it like the user's server (the question's main.cf/master.cf, *.example.com certificate)"
run scripts/demo/legacy.yml

step "audit BEFORE (playbooks/audit.yml)"
run scripts/demo/audit.yml -e "demo_findings_file=$PWD/$WORK/before.json"

step "hardening (playbooks/harden.yml, private CA certificates for myhostname, mailtest may send as @example.com only)"
run playbooks/harden.yml -e postfix_hardening_cert_mode=private_ca \
  -e "postfix_hardening_private_ca_fetch_dir=$PWD/$WORK" -e "postfix_hardening_dns_records_file=$PWD/$WORK/dns.zone" \
  -e '{"postfix_hardening_sender_logins": {"mailtest": ["@example.com"]}}'
cp "$WORK/last.log" "$WORK/harden.log"

step "audit AFTER"
run scripts/demo/audit.yml -e "demo_findings_file=$PWD/$WORK/after.json"

python3 - "$WORK/before.json" "$WORK/after.json" <<'PY'
import json, sys
order = {"high": 0, "medium": 1, "low": 2, "info": 3}
before, after = (json.load(open(p)) for p in sys.argv[1:3])
after_keys = {(f["id"], f["service"]) for f in after}
print(f"\n{'severity':8} {'finding':28} {'service':18} after")
for f in sorted(before, key=lambda f: (order[f["severity"]], f["id"], f["service"])):
    state = "still there" if (f["id"], f["service"]) in after_keys else "fixed"
    print(f"{f['severity']:8} {f['id']:28} {f['service']:18} {state}")
new = [f for f in after if (f["id"], f["service"]) not in {(b["id"], b["service"]) for b in before}]
for f in new:
    print(f"{f['severity']:8} {f['id']:28} {f['service']:18} new after hardening")
count = lambda fs, s: sum(1 for f in fs if f["severity"] == s)
print("\nhigh/medium/low/info before: %d/%d/%d/%d  after: %d/%d/%d/%d" % tuple(
    [count(before, s) for s in order] + [count(after, s) for s in order]))
PY

step "live check from this machine"
# capture first: grep -q closing the pipe early would fail the pipeline under pipefail
tls25=$(swaks --server 127.0.0.1 --port "$P25" --quit-after EHLO -tls --ehlo demo.example.net 2>&1 || true)
if grep -q "TLS started" <<<"$tls25"; then
  echo "port 25: STARTTLS works ($(grep -o 'TLS started with cipher [^ ]*' <<<"$tls25" | head -1))"
else
  echo "port 25: STARTTLS FAILED"; echo "$tls25"; exit 1
fi
password=$(awk -F'"' '/mailsec_test_password/ {print $2}' molecule/resources/group_vars/all/test.yml)
ehlo587=$(swaks --server 127.0.0.1 --port "$P587" --quit-after EHLO --ehlo demo.example.net 2>&1 || true)
auth587=$(swaks --server 127.0.0.1 --port "$P587" -tls --auth PLAIN --auth-user mailtest --auth-password "$password" \
          --quit-after AUTH --ehlo demo.example.net 2>&1 || true)
pre=$(grep -c "250[- ]AUTH" <<<"$ehlo587" || true)
post=$(grep -c "235 2.7.0" <<<"$auth587" || true)
echo "port 587: AUTH advertised before STARTTLS: $([ "$pre" = 0 ] && echo no || echo YES)"
echo "port 587: AUTH PLAIN after STARTTLS: $([ "$post" -ge 1 ] && echo succeeded || echo FAILED)"
# sender binding: mailtest owns @example.com only
spoof=$(swaks --server 127.0.0.1 --port "$P587" -tls --auth PLAIN --auth-user mailtest --auth-password "$password" \
        --from ceo@other.example --to mailtest@example.com --quit-after RCPT --ehlo demo.example.net 2>&1 || true)
bound=$(grep -c "553 5.7.1 .*not owned by user mailtest" <<<"$spoof" || true)
echo "port 587: mailtest sending as ceo@other.example: $([ "$bound" -ge 1 ] && echo "refused (553 5.7.1)" || echo ACCEPTED)"
[ "$pre" = 0 ] && [ "$post" -ge 1 ] && [ "$bound" -ge 1 ]

step "done in $(( $(date +%s) - start ))s"
cat <<TXT

Scan it yourself (the container stays up until 'make demo-clean'):
  testssl --quiet -t smtp -p -s -f -S 127.0.0.1:$P25
  testssl --quiet -t smtp -p -s -f -S 127.0.0.1:$P587
  testssl --quiet -p -s -f -S 127.0.0.1:$P465
  swaks --server 127.0.0.1 --port $P587 -tls --auth PLAIN --auth-user mailtest --quit-after AUTH
  openssl s_client -connect 127.0.0.1:$P587 -starttls smtp -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'   # refused
  openssl s_client -connect 127.0.0.1:$P465 -CAfile $WORK/$NAME-ca.crt -verify_hostname example.com -brief
DNS records the role computed: $WORK/dns.zone; role output: $WORK/harden.log
Remove the container: make demo-clean
TXT
