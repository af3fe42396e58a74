/**
 * Into a pod's network from the node, with no help from the pod's image: the capture pod
 * (hostPID, privileged) finds a process of the pod by the pod's address, and runs its own tools
 * in that process's network namespace.
 */

/**
 * Prints the pid of a process whose network namespace holds the address `$1`, one namespace
 * tried once. A pod's address is unique on its node (hostNetwork pods have the node's), so no
 * container runtime's tool (crictl is not in the capture image) and no name is needed, and it
 * finds the pod whatever runs in it: the pause process, or its first container's.
 */
export const FIND_POD_PID = `
want=" inet $1/"
tried=" "
for ns in /proc/[0-9]*/ns/net; do
  inode=$(readlink "$ns" 2>/dev/null) || continue
  case "$tried" in *" $inode "*) continue ;; esac
  tried="$tried$inode "
  pid=\${ns#/proc/}; pid=\${pid%/ns/net}
  if nsenter -t "$pid" -n ip -4 -o address show 2>/dev/null | grep -qF "$want"; then echo "$pid"; exit 0; fi
done
echo "no process on this node holds $1 in its network namespace" >&2
exit 1
`;

/**
 * Runs `argv` in the network namespace of process `pid`. The pod's resolv.conf lives in its mount
 * namespace: in a private mount namespace (unshare -m), a copy of it goes over the capture pod's
 * own, so a resolver run here asks cluster DNS with the pod's search list, as `ip netns exec` does
 * in the box. A copy: a file of another mount namespace cannot be bind-mounted, and mount(8)
 * would resolve /proc/<pid>/root/… to this namespace's own file.
 */
export function inPodNetwork(pid: number, argv: string[]): string[] {
  const script = [
    'pid=$1; shift; conf=$(mktemp) || exit 1',
    'cat "/proc/$pid/root/etc/resolv.conf" > "$conf" && mount --bind "$conf" /etc/resolv.conf && rm -f "$conf" || { rm -f "$conf"; exit 1; }',
    'exec nsenter -t "$pid" -n "$@"',
  ].join("\n");
  return ["unshare", "-m", "sh", "-c", script, "enter-pod", String(pid), ...argv];
}
