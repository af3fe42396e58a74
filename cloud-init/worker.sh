#!/usr/bin/env bash
# Bootstrap of a worker: the article's node-wrk.sh and its pasted `kubeadm join`, unattended.
# Runs on every boot (labyrinth-bootstrap.service); a joined node skips the join.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Outside /etc/kubernetes/pki: kubeadm join's pre-flight refuses a node that already has ca.crt.
CA=$R/etc/labyrinth/ca.crt

joined() {
  [ -e "$R/etc/kubernetes/kubelet.conf" ]
}

# Joinable means more than answering: the control plane has signed cluster-info for this token.
wait_for_control_plane() {
  joined && return 0
  read_node_identity
  fetch_ca_cert "$CA"
  local url="https://$API_ENDPOINT/api/v1/namespaces/kube-public/configmaps/cluster-info"
  local deadline=$((SECONDS + JOIN_WAIT_SECONDS)) polls=0
  until curl -fsS --connect-timeout 5 --max-time 10 --cacert "$CA" "$url" 2>/dev/null | grep -q "\"jws-kubeconfig-$TOKEN_ID\""; do
    polls=$((polls + 1))
    if ((SECONDS >= deadline)); then
      log "the control plane at $API_ENDPOINT did not publish cluster-info signed for this token within ${JOIN_WAIT_SECONDS}s: read the control plane's bootstrap on its serial console"
      return 1
    fi
    sleep "$POLL_SECONDS"
  done
  log "cluster-info is signed for this token after $polls polls"
}

# Pins the cluster CA by its public key's hash, as `kubeadm token create --print-join-command` would.
ca_cert_hash() {
  openssl x509 -pubkey -noout -in "$CA" | openssl pkey -pubin -outform DER | openssl dgst -sha256 -hex | sed 's/^.* //'
}

kubeadm_join() {
  if joined; then
    log "already joined"
    return 0
  fi
  CA_CERT_HASH="sha256:$(ca_cert_hash)"
  export CA_CERT_HASH
  render "$KUBEADM_CONFIG.in" "$KUBEADM_CONFIG"
  local n
  for n in 1 2 3; do
    kubeadm_logged join --config "$KUBEADM_CONFIG" && return 0
    log "kubeadm join failed (try $n of 3): resetting this node before trying again"
    kubeadm_logged reset --force --cri-socket "$CRI_SOCKET"
    sleep 10
  done
  return 1
}

prepare_node
phase pull-images pull_images
phase wait-for-control-plane wait_for_control_plane
phase kubeadm-join kubeadm_join
finish
