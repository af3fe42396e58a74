import { SettingError } from "../../constructs";

/** The SettingError that `build` throws, checked to be one line. */
export function refusal(build: () => unknown): SettingError {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SettingError);
  expect((error as Error).message).not.toContain("\n");
  return error as SettingError;
}
