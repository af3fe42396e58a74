# shellcheck shell=bash
# Shared by both roles' bootstrap scripts: logging and timing of phases, retries,
# instance metadata, host preparation and package installation.
# Every run must be safe to repeat: the unit runs this on every boot.

set -Eeuo pipefail
umask 022
export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_MODE=a

# Tests run the scripts against a sandbox root and stand-ins for system commands.
R=${LABYRINTH_ROOT:-}
STATE=$R/var/lib/labyrinth
LOG=$R/var/log/labyrinth-bootstrap.log
METADATA_URL=${LABYRINTH_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1}
# shellcheck disable=SC2034 # used by the role scripts
CRI_SOCKET=unix:///var/run/crio/crio.sock
# shellcheck disable=SC2034 # used by the role scripts
KUBEADM_CONFIG=$R/etc/labyrinth/kubeadm.yaml
# shellcheck source=/dev/null
. "${LABYRINTH_ENV:-$R/etc/labyrinth/node.env}"
mkdir -p "$STATE" "$(dirname "$LOG")"

CURRENT_PHASE=start
PHASE_START=$SECONDS

log() {
  printf '%s labyrinth: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$LOG" >&2
}

on_error() {
  log "phase $CURRENT_PHASE: FAILED after $((SECONDS - PHASE_START))s (exit $1, line $2); full log: /var/log/labyrinth-bootstrap.log"
}
trap 'on_error $? $LINENO' ERR

# phase NAME FUNCTION: runs one timed step; any failing command inside ends the bootstrap.
# `npm run status` reads these lines back from the serial console.
phase() {
  CURRENT_PHASE=$1
  PHASE_START=$SECONDS
  log "phase $1: start"
  "$2"
  log "phase $1: done in $((SECONDS - PHASE_START))s"
}

# retry TRIES COMMAND...: waits 2, 4, 8... seconds between tries; logs the command's name only,
# since arguments may carry secrets.
retry() {
  local tries=$1 n=1 delay=2
  shift
  until "$@"; do
    if ((n >= tries)); then
      log "$1 failed $n times: giving up"
      return 1
    fi
    log "$1 failed (try $n of $tries): retrying in ${delay}s"
    sleep "$delay"
    n=$((n + 1))
    delay=$((delay * 2))
  done
}

download() {
  retry 5 curl -fsSL --connect-timeout 10 -o "$2" "$1"
}

# metadata PATH: one value from the instance metadata server.
metadata() {
  curl -fsS --retry 5 --retry-connrefused -H 'Metadata-Flavor: Google' "$METADATA_URL/$1"
}

# kubeadm ARGS…: kubeadm, its output kept in a file only root reads. It prints the join token
# (`Using token: …`, the join command), which must not reach the serial console; a failure
# shows its last lines there, the token masked.
KUBEADM_LOG=$R/var/log/labyrinth-kubeadm.log
kubeadm_logged() {
  (umask 077 && touch "$KUBEADM_LOG")
  if kubeadm "$@" >>"$KUBEADM_LOG" 2>&1; then return 0; fi
  log "kubeadm $1 failed; its last lines (all of them in /var/log/labyrinth-kubeadm.log):"
  tail -n 5 "$KUBEADM_LOG" | sed -E 's/[a-z0-9]{6}\.[a-z0-9]{16}/<token>/g' | while IFS= read -r line; do log "  $line"; done
  return 1
}

# render TEMPLATE OUTPUT: replaces every @NAME@ with the value of the shell variable NAME.
render() {
  local line name
  (
    umask 077
    while IFS= read -r line || [ -n "$line" ]; do
      while [[ $line =~ @([A-Z_]+)@ ]]; do
        name=${BASH_REMATCH[1]}
        if [ -z "${!name:-}" ]; then
          log "template $1 needs a value for $name"
          return 1
        fi
        line=${line//"@$name@"/"${!name}"}
      done
      printf '%s\n' "$line"
    done <"$1" >"$2"
  )
}

apt_get() {
  apt-get -q -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

# update_and_install PACKAGE…: one step, retried as one. `apt-get update` exits 0 when an index
# failed to download (a network error, a mirror caught mid-sync: "File has unexpected size", known
# of the openSUSE build service) unless told to fail on any error; and an install that fails on a
# stale index ("Unable to locate package", a 404) needs a fresh update, not the same install again.
# Retrying also waits out the lists lock, which `apt-get update` does not wait for (apt-daily may
# hold it at first boot).
update_and_install() {
  apt_get -o APT::Update::Error-Mode=any update && apt_get install -y --no-install-recommends "$@"
}

# Kubernetes needs swap off, two kernel modules and three sysctls; all of it must hold after a reboot.
prepare_host() {
  swapoff -a
  if grep -qE '^[^#].*[[:space:]]swap[[:space:]]' "$R/etc/fstab"; then
    sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/# labyrinth: swap off for the kubelet: \1/' "$R/etc/fstab"
  fi
  mkdir -p "$R/etc/modules-load.d" "$R/etc/sysctl.d"
  printf 'overlay\nbr_netfilter\n' >"$R/etc/modules-load.d/labyrinth-k8s.conf"
  modprobe overlay
  modprobe br_netfilter
  cat >"$R/etc/sysctl.d/99-labyrinth-k8s.conf" <<'EOF'
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
EOF
  sysctl --system >/dev/null
}

# First boot on Ubuntu: unattended-upgrades may hold the dpkg lock (apt waits for it, never kills it);
# needrestart would ask questions; the apt-daily timers would start more runs mid-bootstrap.
configure_apt() {
  mkdir -p "$R/etc/needrestart/conf.d"
  printf '%s\n' "\$nrconf{restart} = 'a';" "\$nrconf{kernelhints} = 0;" >"$R/etc/needrestart/conf.d/labyrinth.conf"
  systemctl stop apt-daily.timer apt-daily-upgrade.timer
}

# add_repo NAME URL: an apt source signed by the repository's own armored key.
add_repo() {
  mkdir -p "$R/etc/apt/keyrings"
  download "${2}Release.key" "$R/etc/apt/keyrings/$1.asc"
  echo "deb [signed-by=/etc/apt/keyrings/$1.asc] $2 /" >"$R/etc/apt/sources.list.d/$1.list"
}

# CRI-O from the openSUSE build service and kubelet, kubeadm, kubectl from pkgs.k8s.io, held.
install_packages() {
  if [ -e "$STATE/packages.done" ]; then
    log "packages already installed"
    return 0
  fi
  local minor=${KUBERNETES_VERSION%.*} pin=""
  if [[ $KUBERNETES_VERSION =~ ^[0-9]+\.[0-9]+$ ]]; then
    minor=$KUBERNETES_VERSION
  else
    pin="=$KUBERNETES_VERSION-*"
  fi
  mkdir -p "$R/etc/apt/sources.list.d"
  add_repo kubernetes "https://pkgs.k8s.io/core:/stable:/v$minor/deb/"
  add_repo cri-o "https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v$CRIO_VERSION/deb/"
  # shellcheck disable=SC2086 # EXTRA_PACKAGES is a list
  retry 8 update_and_install cri-o "kubelet$pin" "kubeadm$pin" "kubectl$pin" kubernetes-cni cri-tools ${EXTRA_PACKAGES:-}
  apt-mark hold cri-o kubelet kubeadm kubectl kubernetes-cni cri-tools >/dev/null
  # Pods get no network until Cilium writes its own config: no CNI config but Cilium's.
  mkdir -p "$R/etc/cni/net.d"
  find "$R/etc/cni/net.d" -maxdepth 1 -type f ! -name '*cilium*' ! -name '*.disabled' -exec mv {} {}.disabled \;
  systemctl enable --now crio
  systemctl enable kubelet
  touch "$STATE/packages.done"
}

# Pulls images early, while the control plane is still coming up, so pods start at once.
# Best effort: a registry hiccup here only means the kubelet pulls them later.
pull_images() {
  local image
  for image in ${PREPULL_IMAGES:-}; do
    retry 3 crictl --runtime-endpoint "$CRI_SOCKET" pull "$image" >/dev/null || log "could not pull $image now: the kubelet will pull it when a pod needs it"
  done
}

# Values both roles' kubeadm configs need, read at boot.
read_node_identity() {
  NODE_NAME=$(metadata instance/name)
  NODE_IP=$(metadata instance/network-interfaces/0/ip)
  KUBEADM_VERSION=$(kubeadm version -o short)
  TOKEN=$(metadata instance/attributes/labyrinth-token)
  TOKEN_ID=${TOKEN%%.*}
  export NODE_NAME NODE_IP KUBEADM_VERSION TOKEN TOKEN_ID
}

# The cluster CA certificate, from instance metadata, to PATH.
fetch_ca_cert() {
  mkdir -p "$(dirname "$1")"
  metadata instance/attributes/labyrinth-ca-crt >"$1"
}

# Which try of this boot this is: systemd restarts a failed bootstrap, and /run is empty at every boot.
count_attempt() {
  local file=$R/run/labyrinth-bootstrap.attempts n
  n=$(cat "$file" 2>/dev/null || echo 0)
  ATTEMPT=$((n + 1))
  mkdir -p "$(dirname "$file")"
  echo "$ATTEMPT" >"$file"
}

# Common first steps of both roles.
prepare_node() {
  count_attempt
  log "bootstrap of a $ROLE node (lab $LAB), attempt $ATTEMPT of this boot"
  phase prepare-host prepare_host
  phase configure-apt configure_apt
  phase install-packages install_packages
}

finish() {
  CURRENT_PHASE=ready
  log "bootstrap complete"
}
