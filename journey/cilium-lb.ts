/**
 * Cilium's service map as `cilium-dbg bpf lb list` prints it: per frontend (a Service's address
 * and port), its reverse-NAT id and its backends. The rows come in two formats (cilium-dbg's
 * Service4Key.String() changed between versions): the frontend once, then its other slots on
 * indented lines; or one row per slot, with the protocol and slot in the frontend's column.
 */

export interface LbService {
  /** `address:port`. */
  readonly frontend: string;
  /** TCP or UDP, when this Cilium version tells them apart; ANY where protocol differentiation is off. */
  readonly protocol?: string;
  /** The id that ties connection-tracking entries back to this Service. */
  readonly revNat: number;
  /** What the slot-0 row says: ClusterIP, NodePort, non-routable… */
  readonly flags: string[];
  /** `address:port` of each backend, by slot. */
  readonly backends: string[];
}

const ADDRESS = String.raw`(\[[0-9a-fA-F:]+\]|[\d.]+):(\d+)(?:\/([A-Z]+))?(?:\/i)?`;
const ROW = new RegExp(String.raw`^(?:${ADDRESS}(?: \(\d+\))?)?\s+${ADDRESS} \((\d+)\) \((\d+)\)(?: \[([^\]]*)\])?`);

/** `cilium-dbg bpf lb list` → its services, in the order first seen. */
export function parseLbList(text: string): LbService[] {
  const services = new Map<string, { frontend: string; protocol?: string; revNat: number; flags: string[]; backends: [number, string][] }>();
  let current: string | undefined;
  for (const line of text.split("\n")) {
    const m = ROW.exec(line);
    if (!m) continue;
    const [, address, port, protocol, backendAddress, backendPort, , revNat, slot, flags] = m;
    if (address) current = `${address}:${port}/${protocol ?? ""}`;
    if (!current) continue;
    const [frontend, proto] = current.split("/");
    const service = services.get(current) ?? { frontend, ...(proto ? { protocol: proto } : {}), revNat: Number(revNat), flags: [], backends: [] };
    services.set(current, service);
    if (Number(slot) === 0) service.flags.push(...(flags ?? "").split(",").map((f) => f.trim()).filter(Boolean));
    else service.backends.push([Number(slot), `${backendAddress}:${backendPort}`]);
  }
  return [...services.values()].map((s) => ({ ...s, backends: s.backends.sort((a, b) => a[0] - b[0]).map(([, b]) => b) }));
}

/** The entry for a Service's address and port, for a protocol (an entry that names none, or ANY, serves both). */
export function lbEntryFor(services: LbService[], address: string, port: number, protocol: string): LbService | undefined {
  const serves = (s: LbService) => s.protocol === undefined || s.protocol === "ANY" || s.protocol === protocol.toUpperCase();
  return services.find((s) => s.frontend === `${address}:${port}` && serves(s));
}
