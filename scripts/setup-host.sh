#!/usr/bin/env bash
# Prepare this machine (Debian 12, root) for `make test` / `make demo`:
#   1. Debian packages: podman + runc, debootstrap, swaks, testssl.sh, openssl, postfix tools
#   2. podman host tweaks, only when detection says they are needed
#   3. Debian 12/13 base images built with debootstrap + podman import (no registry needed)
# Every step is idempotent: a second run changes nothing and takes seconds.
set -euo pipefail

log() { printf '[setup-host] %s\n' "$*"; }

APT_PACKAGES=(podman runc conmon debootstrap uidmap slirp4netns fuse-overlayfs
              swaks testssl.sh openssl ca-certificates postfix rsync git make shellcheck)

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

main() {
  [ "$(id -u)" = 0 ] || { echo "setup-host.sh must run as root" >&2; exit 1; }
  install_packages
  configure_podman
  build_image bookworm docker.io/library/debian:bookworm
  build_image trixie docker.io/library/debian:trixie
}

main "$@"
