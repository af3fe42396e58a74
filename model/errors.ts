/**
 * An invalid or conflicting setting. Thrown while the app is being built, so
 * synth stops before anything exists in the cloud. `setting` is the prop name;
 * the message is one lowercase line that says what is wrong and how to fix it.
 */
export class SettingError extends Error {
  constructor(
    public readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = "SettingError";
  }
}

/** Throws a SettingError unless `ok`. */
export function check(ok: boolean, setting: string, message: string): asserts ok {
  if (!ok) throw new SettingError(setting, message);
}
