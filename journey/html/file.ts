/** The page on disk: whether it can be written, before anything is built, and writing it after. */
import { closeSync, existsSync, openSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { JourneyResult } from "../result";
import { renderHtml } from "./page";

const REASONS: Record<string, (path: string) => string> = {
  ENOENT: (path) => `there is no folder ${dirname(path)}`,
  ENOTDIR: (path) => `${dirname(path)} is not a folder`,
  EISDIR: () => "it is a folder",
  EACCES: () => "permission denied",
  EPERM: () => "permission denied",
  EROFS: () => "the file system is read-only",
};

/** Why `path` cannot be written, or undefined when it can: tried by opening it, which leaves an existing file as it is. */
export function cannotWrite(path: string): string | undefined {
  const absolute = resolve(path);
  const existed = existsSync(absolute);
  try {
    closeSync(openSync(absolute, "a"));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return REASONS[code ?? ""]?.(absolute) ?? message;
  }
  if (!existed) rmSync(absolute);
  return undefined;
}

/** Draws `result` into `path`; the milliseconds it took. */
export function writePage(path: string, result: JourneyResult): number {
  const start = performance.now();
  writeFileSync(path, renderHtml(result));
  return performance.now() - start;
}
