#!/usr/bin/env bash
# Bootstrap of the control plane: the article's node-ctl.sh, unattended. Runs on every boot
# (labyrinth-bootstrap.service); each phase checks what is already done.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PKI=$R/etc/kubernetes/pki

# The CA that Terraform made: kubeadm uses an existing ca.crt/ca.key instead of making its own.
install_ca() {
  install_ca_cert
  if [ ! -s "$PKI/ca.key" ]; then
    (umask 077 && metadata instance/attributes/labyrinth-ca-key >"$PKI/ca.key")
  fi
}

render_config() {
  read_node_identity
  EXTERNAL_IP=$(metadata instance/network-interfaces/0/access-configs/0/external-ip)
  export EXTERNAL_IP
  render "$KUBEADM_CONFIG.in" "$KUBEADM_CONFIG"
}

kubeadm_init() {
  if [ -e "$R/etc/kubernetes/admin.conf" ]; then
    log "cluster already initialized"
    return 0
  fi
  kubeadm init --config "$KUBEADM_CONFIG"
}

# A stopped and started VM gets a new external address: the API server certificate must name it.
apiserver_cert() {
  if openssl x509 -in "$PKI/apiserver.crt" -noout -ext subjectAltName | grep -qw "IP Address:$EXTERNAL_IP"; then
    return 0
  fi
  log "the external address is now $EXTERNAL_IP: re-issuing the API server certificate"
  rm -f "$PKI/apiserver.crt" "$PKI/apiserver.key"
  kubeadm init phase certs apiserver --config "$KUBEADM_CONFIG"
  kubeadm init phase upload-config kubeadm --config "$KUBEADM_CONFIG"
  # The kubelet restarts the static pod's container, which then serves the new certificate.
  crictl --runtime-endpoint "$CRI_SOCKET" ps --quiet --name kube-apiserver | xargs -r crictl --runtime-endpoint "$CRI_SOCKET" stop >/dev/null
}

# Creates the token again if it expired or the cluster is new, so a recreated worker can always join.
bootstrap_token() {
  kubeadm init phase bootstrap-token --config "$KUBEADM_CONFIG" >/dev/null
}

root_kubeconfig() {
  mkdir -p "$R/root/.kube"
  install -m 600 "$R/etc/kubernetes/admin.conf" "$R/root/.kube/config"
}

prepare_node
phase install-ca install_ca
phase render-config render_config
phase kubeadm-init kubeadm_init
phase apiserver-cert apiserver_cert
phase bootstrap-token bootstrap_token
phase kubeconfig root_kubeconfig
finish
