import { Testing, TerraformStack } from "cdktf";
import { buildLab } from "../../stacks/lab";
import { DEFAULT_SETTINGS, LabSettings } from "../../stacks/settings";

/** Terraform JSON as cdktf writes it. */
export type TerraformJson = {
  resource: Record<string, Record<string, any>>;
  output: Record<string, { value: any; sensitive?: boolean }>;
  provider: Record<string, any[]>;
  data?: Record<string, Record<string, any>>;
  [key: string]: any;
};

export function synthStack(stack: TerraformStack): TerraformJson {
  return JSON.parse(Testing.synth(stack));
}

/** The lab with the article's settings, or some of them overridden. */
export function synthLab(overrides: Partial<LabSettings> = {}) {
  const app = Testing.app();
  const lab = buildLab(app, { ...DEFAULT_SETTINGS, ...overrides });
  return { lab, infra: synthStack(lab.infrastructure) };
}

/** All resources of one type, as a list. */
export function resourcesOf(json: TerraformJson, type: string): any[] {
  return Object.values(json.resource[type] ?? {});
}

/** The one resource of `type` whose `name` is `name`. */
export function named(json: TerraformJson, type: string, name: string): any {
  const found = resourcesOf(json, type).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}
