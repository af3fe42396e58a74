import ms from "ms";
import { check, SettingError } from "./errors";

/** Google Cloud's bounds for a VM's maximum run duration. */
export const MIN_RUN_SECONDS = 30;
export const MAX_RUN_SECONDS = 120 * 24 * 3600;
const OFF = ["off", "none", "never"];

/** How long the lab's VMs live: seconds, or undefined for no expiry. */
export interface Lifetime {
  readonly seconds: number | undefined;
  /** The same, as a Google Cloud label value: 4h, 90m, 2d, off. */
  readonly label: string;
}

/** Parses a ttl such as 4h, 90m, 2d or 1.5h (the `ms` package's forms), or off. */
export function parseLifetime(text: string, setting = "ttl"): Lifetime {
  const value = text.trim().toLowerCase();
  if (OFF.includes(value)) return { seconds: undefined, label: "off" };
  const millis = ms(value as ms.StringValue);
  if (typeof millis !== "number" || Number.isNaN(millis)) {
    throw new SettingError(setting, `"${text}" is not a duration: use a form such as 4h, 90m or 2d, or off for no expiry`);
  }
  const seconds = Math.round(millis / 1000);
  check(
    seconds >= MIN_RUN_SECONDS && seconds <= MAX_RUN_SECONDS,
    setting,
    `"${text}" is beyond what Google Cloud accepts for a VM's run duration: use 30s to 120d, or off`,
  );
  return { seconds, label: lifetimeLabel(seconds) };
}

/** A whole duration in the largest unit that divides it: 4h, 90m, 2d, 45s (a Google Cloud label value). */
export function lifetimeLabel(seconds: number): string {
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** "4h", or "no expiry". */
export function describeLifetime(lifetime: Lifetime): string {
  return lifetime.seconds === undefined ? "no expiry" : lifetime.label;
}
