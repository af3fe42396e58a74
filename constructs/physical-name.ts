import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { MAX_NAME_LENGTH } from "../model/names";

/** Characters of the hash that makes a derived name unique: 8 hex digits, as AWS CDK's. */
const HASH_LENGTH = 8;

/**
 * A Google Cloud name for a construct that was given none, derived from its path as AWS CDK derives
 * physical names: readable (the construct ids of the path, lowercased, dash-separated), unique in
 * the app (a hash of the whole path ends it) and stable (the same path gives the same name at every
 * synth). `Infra/Net` becomes `infra-net-` and 8 hex digits. At most MAX_NAME_LENGTH characters,
 * as a lab's name, a letter first.
 */
export function physicalName(construct: Construct): string {
  const hash = createHash("sha256").update(construct.node.path).digest("hex").slice(0, HASH_LENGTH);
  const readable = construct.node.scopes
    .map((scope) => scope.node.id)
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1)
    .replace(/-+$/, "");
  return readable ? `${readable}-${hash}` : `n${hash}`;
}
