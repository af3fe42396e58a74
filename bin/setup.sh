#!/usr/bin/env bash
# Prepares a Debian or Ubuntu machine for everything here: the Debian packages the tests and
# the box use, then the npm packages from the lockfile. CI runs this very script.
set -euo pipefail
cd "$(dirname "$0")/.."

# cloud-init, shellcheck: lint the rendered bootstrap. Chromium and a font: the browser test of
# journey --html (playwright-core drives this browser, it downloads none); poppler-utils reads the
# sheets Chromium prints. The rest: the box (network namespaces, the eBPF program, DNS, captures).
PACKAGES=(
  cloud-init shellcheck openssl time
  chromium fonts-dejavu-core poppler-utils
  iproute2 procps iptables nftables clang llvm libbpf-dev linux-libc-dev bpftool
  tshark dnsmasq-base socat ncat
)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (sudo $0): it installs Debian packages" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
npm ci --no-audit --no-fund
