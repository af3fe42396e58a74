#!/bin/sh
# The deploy's proof that the lab works: from the wrk-1 probe's node, resolve the wrk-2 probe's
# Service ($TARGET) as the article does, then send a line over TCP and over UDP $PORT and expect it
# echoed back. Each step prints "ok <step>" or "FAIL <step>: <what and where to look>"; the first
# failure exits 1.
set -u
target=${TARGET:?is not set: give the Service to reach as service.namespace (ConnectivityCheck sets it)}
port=${PORT:?is not set: give the port the probes echo on (ConnectivityCheck sets it)}
payload="labyrinth-check-$(date +%s)"

fail() {
  echo "FAIL $1"
  exit 1
}

# Only an address counts: on a timeout dig prints ";; connection timed out…" on stdout.
address=$(dig +short +search "$target" A | grep -E '^[0-9]+(\.[0-9]+){3}$' | tail -n 1)
[ -n "$address" ] || fail "dns: $target did not resolve through cluster DNS (is CoreDNS running? kubectl -n kube-system get pods -l k8s-app=kube-dns)"
echo "ok dns: $target is $address"

reply=$(echo "$payload" | socat -T 5 - "TCP:$target:$port,connect-timeout=5" 2>&1)
[ "$reply" = "$payload" ] || fail "tcp: no echo from $address:$port over TCP (got: ${reply:-nothing}); the cross-node path: Cilium's VXLAN on udp 8472 between the nodes, and the probe's listener"
echo "ok tcp: $address:$port echoed the payload"

reply=$(echo "$payload" | socat -T 5 - "UDP:$target:$port" 2>&1)
[ "$reply" = "$payload" ] || fail "udp: no echo from $address:$port over UDP (got: ${reply:-nothing})"
echo "ok udp: $address:$port echoed the payload"
