/**
 * Hubble's flows as `hubble observe -o jsonpb` prints them inside the agent (one
 * GetFlowsResponse a line, proto field names): where each packet of a flow was observed
 * (`trace_observation_point`), what Cilium did with it, and the addresses before translation.
 */

export interface HubbleEvent {
  readonly time: string;
  /** to-overlay, from-endpoint, to-endpoint…; for a drop, "drop". */
  readonly point: string;
  /** FORWARDED, DROPPED, TRANSLATED… */
  readonly verdict: string;
  /** Whether it belongs to the answer's direction. */
  readonly reply: boolean;
  readonly src: string;
  readonly dst: string;
  /** On a reply after reverse NAT: the source on the wire (the Service), where `src` is the backend. */
  readonly srcXlated?: string;
  readonly protocol: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly tcpFlags?: string[];
  /** `namespace/name` of the Service the destination is, before translation. */
  readonly service?: string;
  readonly dropReason?: string;
  readonly interface?: string;
}

interface FlowJson {
  readonly time?: string;
  readonly verdict?: string;
  readonly IP?: { readonly source?: string; readonly destination?: string; readonly source_xlated?: string };
  readonly l4?: Record<string, { readonly source_port?: number; readonly destination_port?: number; readonly flags?: Record<string, boolean> }>;
  readonly event_type?: { readonly type?: number };
  readonly trace_observation_point?: string;
  readonly is_reply?: boolean;
  readonly destination_service?: { readonly name?: string; readonly namespace?: string };
  readonly drop_reason_desc?: string;
  readonly interface?: { readonly name?: string };
}

/** Monitor event type 1 (pkg/monitor/api/types.go): a drop. */
const DROP = 1;

function event(flow: FlowJson): HubbleEvent | undefined {
  if (!flow.IP?.source || !flow.IP.destination) return undefined;
  const [protocol, l4] = Object.entries(flow.l4 ?? {})[0] ?? ["", {}];
  const point = flow.event_type?.type === DROP ? "drop" : (flow.trace_observation_point ?? "unknown").toLowerCase().replace(/_/g, "-");
  const service = flow.destination_service?.name ? `${flow.destination_service.namespace ?? ""}/${flow.destination_service.name}` : undefined;
  return {
    time: flow.time ?? "",
    point,
    verdict: flow.verdict ?? "",
    reply: flow.is_reply === true,
    src: flow.IP.source,
    dst: flow.IP.destination,
    ...(flow.IP.source_xlated ? { srcXlated: flow.IP.source_xlated } : {}),
    protocol: protocol.toLowerCase(),
    srcPort: l4.source_port ?? 0,
    dstPort: l4.destination_port ?? 0,
    ...(l4.flags ? { tcpFlags: Object.keys(l4.flags).filter((f) => l4.flags![f]) } : {}),
    ...(service ? { service } : {}),
    ...(flow.drop_reason_desc ? { dropReason: flow.drop_reason_desc } : {}),
    ...(flow.interface?.name ? { interface: flow.interface.name } : {}),
  };
}

/** `hubble observe -o jsonpb` → one event per flow with IP addresses (node status and lost-event lines are left out); a line that is not JSON throws. */
export function parseHubbleFlows(jsonLines: string): HubbleEvent[] {
  return jsonLines
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { flow?: FlowJson }).flow)
    .map((flow) => (flow ? event(flow) : undefined))
    .filter((e): e is HubbleEvent => e !== undefined);
}
