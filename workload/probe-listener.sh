#!/bin/sh
# The probe pod's own answer on TCP and UDP $PORT (the lab's probe port, which its container
# passes): an echo, so `nc <the other probe's Service> $PORT` from the other probe gets its line
# back at once. Needs socat (the default image, netshoot, has it). Runs as the container's main
# process.
set -u
port=${PORT:?is not set: give the port to echo on (ProbeWorkload sets it in the container)}
if ! command -v socat >/dev/null 2>&1; then
  echo "probe-listener: this image has no socat: use an image with socat, or LABYRINTH_PROBE_LISTENER=false" >&2
  exit 1
fi
socat "TCP-LISTEN:$port,fork,reuseaddr" PIPE &
socat "UDP-RECVFROM:$port,fork" PIPE &
echo "probe-listener: echoing on tcp and udp $port"
wait
