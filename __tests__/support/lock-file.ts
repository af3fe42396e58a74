import { readFileSync } from "node:fs";

/**
 * What a box lock's file says, read as a run waiting for the box reads it; undefined when there is
 * no file. A file found empty or half-written throws: the lock promises a reader never sees one.
 */
export function lockFileSays(path: string): { pid: number; doing: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const { pid, doing } = JSON.parse(text) as { pid: unknown; doing: unknown };
  if (typeof pid !== "number" || typeof doing !== "string") throw new Error(`a lock that says neither who nor what: ${text}`);
  return { pid, doing };
}
