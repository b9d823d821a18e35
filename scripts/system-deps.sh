#!/usr/bin/env bash
# Installs the system packages Qnet Studio's tests need (QEMU, VDE, busybox, iproute2, tshark, socat, Chromium).
# Usage: scripts/system-deps.sh [--check]
#   --check  only report what is missing (exit 1 if anything is), install nothing.
# Installs with apt-get as root, or through passwordless sudo; otherwise prints the exact command and fails.
set -euo pipefail

# command-or-file -> Debian package that provides it
declare -A NEEDS=(
  [qemu-system-x86_64]=qemu-system-x86
  [qemu-system-aarch64]=qemu-system-arm
  [qemu-img]=qemu-utils
  [/usr/lib/qemu/qemu-bridge-helper]=qemu-system-common
  [vde_switch]=vde2
  [dpdk-testpmd]=dpdk-dev
  [linux.uml]=user-mode-linux
  [slirpvde]=vde2
  [/bin/busybox]=busybox-static
  [cpio]=cpio
  [ip]=iproute2
  [chromium]=chromium
  [zstd]=zstd
  [nft]=nftables
  [pasta]=passt
  [nsenter]=util-linux
  [unshare]=util-linux
  [tshark]=tshark
  [dumpcap]=wireshark-common
  [socat]=socat
)

have() {
  case "$1" in
    /*) [[ -e "$1" ]] ;;
    *) command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" || -x "/sbin/$1" ]] ;;
  esac
}

missing=()
for what in "${!NEEDS[@]}"; do
  have "$what" || missing+=("${NEEDS[$what]}")
done
# busybox-static specifically (a dynamic busybox cannot go into the tiny guest's initramfs)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
cmd=(apt-get install -y --no-install-recommends "${missing[@]}")

if [[ "${1:-}" == "--check" ]]; then
  echo "missing system packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get update && sudo ${cmd[*]}" >&2
  exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "qnet: these system packages are needed and I cannot install them (not root, no passwordless sudo):" >&2
  echo "  ${missing[*]}" >&2
  echo "run: sudo apt-get update && sudo ${cmd[*]}" >&2
  exit 1
fi

echo "qnet: installing system packages: ${missing[*]}" >&2
# Through env: sudo's env_reset drops an exported DEBIAN_FRONTEND, and wireshark-common would ask its debconf question.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "${cmd[@]}" >&2
