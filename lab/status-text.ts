/** `npm run status`'s text: the verdict, a line per node (with a failure's last log lines), then the cluster's parts. */
import { failedPhase, NodeBootstrap } from "./bootstrap-log";
import { formatDuration } from "./instances";
import { LabStatus, NodeStatus } from "./status";

const ORDINALS = ["first", "second", "third"];

/** "attempt 3; the first failed at wait-for-control-plane, the second at kubeadm-join". */
function attemptsText(b: NodeBootstrap): string {
  const where = b.earlierFailures.map((line) => failedPhase(line) ?? "no failure line (a timeout or a signal)");
  const said =
    where.length <= ORDINALS.length
      ? where.map((at, i) => `${i === 0 ? "the first failed" : `the ${ORDINALS[i]}`} at ${at}`).join(", ")
      : `the first ${where.length} failed at ${new Set(where).size === 1 ? where[0] : where.join(", ")}`;
  return `attempt ${b.attempt}; ${said}`;
}

function bootstrapText(b: NodeBootstrap | undefined, now: Date): string {
  if (!b || !b.startedAt) return "no bootstrap output yet";
  const since = (from: Date) => formatDuration(Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000)));
  const tries = b.earlierFailures.length > 0 ? ` (${attemptsText(b)})` : "";
  const last = b.phases[b.phases.length - 1];
  if (b.complete) return `bootstrap complete in ${formatDuration(b.phases.reduce((sum, p) => sum + (p.seconds ?? 0), 0))}${tries}`;
  if (b.failure && b.retryAt) {
    const wait = Math.round((b.retryAt.getTime() - now.getTime()) / 1000);
    return `retrying: ${last?.name} failed${tries}; systemd starts attempt ${b.attempt + 1} ${wait > 0 ? `in ${formatDuration(wait)}` : "about now"}`;
  }
  if (b.failure) return `FAILED at ${last?.name}: ${b.failure}`;
  return last ? `${last.name} for ${since(last.startedAt)}, ${since(b.startedAt)} in all${tries}` : `started ${since(b.startedAt)} ago${tries}`;
}

function nodeLine(node: NodeStatus, now: Date): string {
  const left = node.state === "MISSING" ? "" : node.secondsLeft === undefined ? "no expiry" : `deleted in ${formatDuration(node.secondsLeft)}`;
  const what =
    node.state !== "MISSING"
      ? bootstrapText(node.bootstrap, now)
      : node.made
        ? "its VM is gone: reclaimed (Spot), expired or deleted (npm run deploy makes it again)"
        : "no VM yet: the deploy has still to make it";
  return `  ${node.name.padEnd(20)} ${node.role.padEnd(13)} ${node.state.padEnd(10)} ${left.padEnd(18)} ${what}`;
}

export function renderStatus(status: LabStatus, now = new Date()): string {
  if (status.verdict === "not deployed") return `lab ${status.lab}: not deployed in ${status.project} (npm run deploy builds it)`;
  const lines = [`lab ${status.lab} in ${status.project}: ${status.verdict}`];
  if (status.verdict === "expired") lines.push("  no VMs: they expired or were reclaimed (npm run deploy makes them again; npm run destroy removes the rest)");
  for (const node of status.nodes) {
    lines.push(nodeLine(node, now));
    if (node.bootstrap?.failure) lines.push(...node.bootstrap.lastLines.map((l) => `      ${l}`));
  }
  const c = status.cluster;
  lines.push(`  API server    ${c.apiServer}`);
  if (c.nodes) lines.push(`  nodes         ${c.nodes}`);
  if (c.cilium) lines.push(`  Cilium        ${c.cilium}`);
  if (c.probes) lines.push(`  probes        ${c.probes}`);
  if (c.check) lines.push(`  check         ${c.check}`);
  return lines.join("\n");
}
