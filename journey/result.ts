/** What one journey found: the plan it followed, each exchange hop by hop, the node's proofs, Cilium's own evidence. The text and JSON views render this. */
import { ExchangeResult } from "./analyzer";
import { CiliumEvidence } from "./cilium-evidence";
import { CapturePlan } from "./plan";
import { Proof } from "./proof";
import { TriggerResult } from "./trigger";

export interface JourneyResult {
  readonly where: "box" | "lab";
  readonly ok: boolean;
  readonly plan: CapturePlan;
  readonly trigger: TriggerResult;
  readonly exchanges: ExchangeResult[];
  readonly proof: Proof;
  /** Cilium's own evidence for the flows (its maps, Hubble), where nodes run its agent. */
  readonly cilium?: CiliumEvidence;
  readonly problems: string[];
  /** Capture files kept with --pcap-dir. */
  readonly pcaps: string[];
  /** What could not be read as a whole (a capture cut short): the result stands on the rest. */
  readonly notes: string[];
}

