#!/bin/sh
# The probe pod's own answer on TCP and UDP 9999: an echo, so `nc node-wrk-2-ubuntu24.wrk-2 9999`
# from the other probe gets its line back at once. Needs socat (the default image, netshoot, has
# it). Runs as the container's main process.
set -u
port=${PORT:-9999}
if ! command -v socat >/dev/null 2>&1; then
  echo "probe-listener: this image has no socat: use an image with socat, or LABYRINTH_PROBE_LISTENER=false" >&2
  exit 1
fi
socat "TCP-LISTEN:$port,fork,reuseaddr" PIPE &
socat "UDP-RECVFROM:$port,fork" PIPE &
echo "probe-listener: echoing on tcp and udp $port"
wait
