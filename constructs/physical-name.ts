import { createHash } from "node:crypto";
import { Construct } from "constructs";

/**
 * How long a derived name may be: the lab's own limit, which leaves room for every name derived
 * from it in turn (`<name>-allow-nodes-apiserver` within Google's 63).
 */
export const DERIVED_NAME_LENGTH = 30;

/** Characters of the hash that makes a derived name unique: 8 hex digits, as AWS CDK's. */
const HASH_LENGTH = 8;

/**
 * A Google Cloud name for a construct that was given none, derived from its path as AWS CDK derives
 * physical names: readable (the construct ids of the path, lowercased, dash-separated), unique in
 * the app (a hash of the whole path ends it) and stable (the same path gives the same name at every
 * synth). `Infra/Net` becomes `infra-net-` and 8 hex digits. At most `maxLength` characters,
 * a letter first.
 */
export function physicalName(construct: Construct, maxLength = DERIVED_NAME_LENGTH): string {
  const hash = createHash("sha256").update(construct.node.path).digest("hex").slice(0, HASH_LENGTH);
  const readable = construct.node.scopes
    .map((scope) => scope.node.id)
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, maxLength - HASH_LENGTH - 1)
    .replace(/-+$/, "");
  return readable ? `${readable}-${hash}` : `n${hash}`;
}
