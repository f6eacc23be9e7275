#!/usr/bin/env bash
# Prepare this machine (Debian 12, root) for `make test` / `make demo`:
#   1. Debian packages: podman + runc, debootstrap, swaks (+ Net::SSLeay for its TLS),
#      testssl.sh, openssl, postfix tools
#   2. podman host tweaks, only when detection says they are needed
#   3. Debian base images built with debootstrap + podman import (no registry needed):
#      the suites named as arguments (default: bookworm trixie; `make demo` needs only bookworm)
#   4. proof that each host tool does its job here: podman starts a container, swaks starts
#      TLS against a local STARTTLS listener, testssl.sh scans that listener, headless
#      chromium renders a page to a PNG (the audit report's screenshot check)
# Every step is idempotent: a second run changes nothing and takes seconds.
# Usage: setup-host.sh [suite...]
set -euo pipefail

log() { printf '[setup-host] %s\n' "$*"; }

# libnet-ssleay-perl is only a recommendation of swaks, but swaks -tls needs it.
APT_PACKAGES=(podman runc conmon debootstrap uidmap slirp4netns fuse-overlayfs
              swaks libnet-ssleay-perl testssl.sh openssl ca-certificates postfix
              python3 rsync git make shellcheck chromium fonts-dejavu-core)

install_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "Debian packages present"
    return
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # postfix asks debconf questions; answer them so the install is unattended.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# podman with crun fails here ("cgroups in hybrid mode not supported"), and raising
# RLIMIT_NOFILE/NPROC inside containers is refused. Detect both and write a drop-in.
configure_podman() {
  local conf=/etc/containers/containers.conf.d/50-mailsec-postfix.conf
  local want
  want=$'# written by mailsec.postfix scripts/setup-host.sh\n[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n\n[engine]\nruntime = "runc"\n'
  if [ -f "$conf" ] && [ "$(cat "$conf")" = "${want%$'\n'}" ]; then
    log "podman configuration present ($conf)"
    return
  fi
  if [ -f "$conf" ] || needs_podman_tweaks; then
    mkdir -p "$(dirname "$conf")"
    printf '%s' "$want" > "$conf"
    log "wrote $conf (runc runtime, lowered default ulimits)"
  else
    log "podman works with its defaults; no tweak needed"
  fi
}

needs_podman_tweaks() {
  # crun cannot drive cgroup v1 (hybrid) hosts; podman's default ulimits (nofile
  # 1048576) cannot be granted when our own hard limit is lower.
  local cg rt
  cg=$(podman info --format '{{.Host.CgroupsVersion}}' 2>/dev/null || echo unknown)
  rt=$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null || echo unknown)
  [ "$cg" = v1 ] && [ "$rt" != runc ] && return 0
  [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 1048576 ] && return 0
  [ "$(ulimit -Hu)" != unlimited ] && [ "$(ulimit -Hu)" -lt 4096 ] && return 0
  return 1
}

build_image() {
  local suite=$1 tag=$2
  if podman image exists "$tag"; then
    log "image $tag present"
    return
  fi
  local mirror root
  mirror=$(apt_mirror)
  root=$(mktemp -d /var/tmp/debootstrap-"$suite".XXXXXX)
  log "building $tag with debootstrap $suite from $mirror (~1 min)"
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -20 "$root.log"; rm -rf "$root"; exit 1; }
  # keep the image lean: no apt lists, no caches
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  tar -C "$root" -c . | podman import --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
  rm -rf "$root" "$root.log"
  log "image $tag built"
}

apt_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

fail() { printf '[setup-host] FAILED: %s\n' "$*" >&2; exit 1; }

# Installed is not the same as working: prove each client does what the scripts use it for.
check_podman() {
  local image=$1 out
  out=$(timeout 120 podman run --rm --network none "$image" /bin/true 2>&1) ||
    fail "podman cannot start a container from $image (packages podman, runc, conmon; see /etc/containers/containers.conf.d/50-mailsec-postfix.conf): $out"
  log "podman starts containers ($image)"
}

CHECK_DIR=
stop_check_listener() {
  [ -n "$CHECK_DIR" ] || return 0
  kill "$(cat "$CHECK_DIR/pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$CHECK_DIR"
}

check_tls_clients() {
  local dir port out
  CHECK_DIR=$(mktemp -d /tmp/mailsec-setup-check.XXXXXX)
  dir=$CHECK_DIR
  trap stop_check_listener EXIT
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 || fail "openssl cannot make a test certificate (package openssl)"
  python3 "$(dirname "$0")/starttls_listener.py" "$dir/cert.pem" "$dir/key.pem" "$dir/port" &
  echo $! > "$dir/pid"
  for _ in $(seq 50); do [ -s "$dir/port" ] && break; sleep 0.1; done
  [ -s "$dir/port" ] || fail "the local STARTTLS test listener did not start (package python3)"
  port=$(cat "$dir/port")

  perl -MNet::SSLeay -e 1 2>/dev/null ||
    fail "swaks cannot do TLS: the Perl module Net::SSLeay is missing (package libnet-ssleay-perl)"
  out=$(timeout 30 swaks --server 127.0.0.1 --port "$port" -tls --quit-after HELO 2>&1 || true)
  grep -q "TLS started" <<<"$out" ||
    fail "swaks could not start TLS against a local listener (packages swaks, libnet-ssleay-perl): $(tail -3 <<<"$out")"
  log "swaks starts TLS ($(grep -o 'TLS started with cipher [^ ]*' <<<"$out" | head -1))"

  out=$(timeout 120 testssl --quiet --color 0 --warnings off -t smtp -p "127.0.0.1:$port" 2>&1 || true)
  grep -Eq "TLS 1.3 +offered" <<<"$out" ||
    fail "testssl.sh could not scan a local STARTTLS listener (package testssl.sh): $(tail -5 <<<"$out")"
  log "testssl.sh scans STARTTLS listeners"
  stop_check_listener
}

check_chromium() {
  local dir out
  dir=$(mktemp -d /tmp/mailsec-setup-chromium.XXXXXX)
  printf '<!doctype html><title>check</title><h1 style="color:#b00">mailsec</h1>' > "$dir/check.html"
  # root needs --no-sandbox; a fresh profile directory keeps it off root's own
  out=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$dir/profile" \
        --window-size=320,200 --screenshot="$dir/check.png" "file://$dir/check.html" 2>&1 || true)
  if ! python3 - "$dir/check.png" <<'PY'
import struct, sys
with open(sys.argv[1], "rb") as handle:
    head = handle.read(24)
sys.exit(0 if head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (320, 200) else 1)
PY
  then
    rm -rf "$dir"
    fail "headless chromium could not render a page to PNG (packages chromium, fonts-dejavu-core): $(tail -3 <<<"$out")"
  fi
  rm -rf "$dir"
  log "headless chromium renders pages"
}

main() {
  [ "$(id -u)" = 0 ] || { echo "setup-host.sh must run as root" >&2; exit 1; }
  local suites=("$@")
  [ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)
  install_packages
  configure_podman
  for suite in "${suites[@]}"; do
    build_image "$suite" "docker.io/library/debian:$suite"
  done
  check_podman "docker.io/library/debian:${suites[0]}"
  check_tls_clients
  check_chromium
}

main "$@"
