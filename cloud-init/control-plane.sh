#!/usr/bin/env bash
# Bootstrap of the control plane: the article's node-ctl.sh, unattended. Runs on every boot
# (labyrinth-bootstrap.service); each phase checks what is already done.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PKI=$R/etc/kubernetes/pki
# The node's own copy of the CA key, root only: the deploy removes the key from instance metadata
# once the API server is up, and kubeadm reset empties the pki folder.
CA_KEY=$STATE/ca.key

# The CA that Terraform made: kubeadm uses an existing ca.crt/ca.key instead of making its own.
# The key comes from metadata once; every later boot and reset works from the copy.
install_ca() {
  fetch_ca_cert "$PKI/ca.crt"
  if [ ! -s "$CA_KEY" ]; then
    if ! (umask 077 && metadata instance/attributes/labyrinth-ca-key >"$CA_KEY.part"); then
      log "the CA key is neither in /var/lib/labyrinth/ca.key nor in instance metadata (the deploy removes it once the API server is up): replace this VM to start a new cluster"
      rm -f "$CA_KEY.part"
      return 1
    fi
    mv "$CA_KEY.part" "$CA_KEY"
  fi
  install -m 600 "$CA_KEY" "$PKI/ca.key"
}

render_config() {
  read_node_identity
  EXTERNAL_IP=$(metadata instance/network-interfaces/0/access-configs/0/external-ip)
  export EXTERNAL_IP
  render "$KUBEADM_CONFIG.in" "$KUBEADM_CONFIG"
}

# kubeadm writes admin.conf and the static-pod manifests before it waits for the control plane, so
# a failed init leaves them (and busy ports) behind: its pre-flight would refuse to run again. Only
# kubeadm's own files count: the kubelet package ships manifests/.kubelet-keep on every node.
init_leftovers() {
  local file
  for file in admin.conf manifests/{kube-apiserver,kube-controller-manager,kube-scheduler,etcd}.yaml; do
    [ -e "$R/etc/kubernetes/$file" ] && return 0
  done
  return 1
}

kubeadm_init() {
  if [ -e "$STATE/kubeadm-init.done" ]; then
    log "cluster already initialized"
    return 0
  fi
  if init_leftovers; then
    log "an earlier kubeadm init did not finish: resetting this node first"
    kubeadm_logged reset --force --cri-socket "$CRI_SOCKET"
    install_ca
  fi
  kubeadm_logged init --config "$KUBEADM_CONFIG"
  touch "$STATE/kubeadm-init.done"
}

# After a reboot the API server comes back on its own; the next phases talk to it.
wait_for_apiserver() {
  local deadline=$((SECONDS + 300))
  until curl -fsS --max-time 5 --cacert "$PKI/ca.crt" "https://$NODE_IP:6443/readyz" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "the API server on $NODE_IP:6443 is not ready after 300s: crictl ps -a --name kube-apiserver, and its logs"
      return 1
    fi
    sleep "$POLL_SECONDS"
  done
}

# A stopped and started VM gets a new external address: the API server certificate must name it.
apiserver_cert() {
  if openssl x509 -in "$PKI/apiserver.crt" -noout -ext subjectAltName | tr ',' '\n' | sed 's/^ *//' | grep -qxF "IP Address:$EXTERNAL_IP"; then
    return 0
  fi
  log "the external address is now $EXTERNAL_IP: re-issuing the API server certificate"
  rm -f "$PKI/apiserver.crt" "$PKI/apiserver.key"
  kubeadm_logged init phase certs apiserver --config "$KUBEADM_CONFIG"
  kubeadm_logged init phase upload-config kubeadm --config "$KUBEADM_CONFIG"
  # The kubelet restarts the static pod's container, which then serves the new certificate.
  crictl --runtime-endpoint "$CRI_SOCKET" ps --quiet --name kube-apiserver | xargs -r crictl --runtime-endpoint "$CRI_SOCKET" stop >/dev/null
}

# Creates the token again if it expired or the cluster is new, with an expiry of now plus its ttl,
# so a recreated worker can always join; the timer does the same every few hours while the VM runs.
bootstrap_token() {
  kubeadm_logged init phase bootstrap-token --config "$KUBEADM_CONFIG"
  systemctl enable --now labyrinth-token.timer
}

root_kubeconfig() {
  mkdir -p "$R/root/.kube"
  install -m 600 "$R/etc/kubernetes/admin.conf" "$R/root/.kube/config"
}

prepare_node
# Cilium's images come down while kubeadm initializes: the first agent starts without waiting.
pull_images &
PULLS=$!
phase install-ca install_ca
phase render-config render_config
phase kubeadm-init kubeadm_init
phase wait-for-apiserver wait_for_apiserver
phase apiserver-cert apiserver_cert
phase bootstrap-token bootstrap_token
phase kubeconfig root_kubeconfig
wait "$PULLS" || true
finish
