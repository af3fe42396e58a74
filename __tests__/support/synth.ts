import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Testing, TerraformStack } from "cdktf";
import { buildLab } from "../../stacks/lab";
import { DEFAULT_SETTINGS, LabSettings } from "../../model/settings";

/** Terraform JSON as cdktf writes it. */
export type TerraformJson = {
  resource: Record<string, Record<string, any>>;
  output: Record<string, { value: any; sensitive?: boolean }>;
  provider: Record<string, any[]>;
  data?: Record<string, Record<string, any>>;
  [key: string]: any;
};

let scratch: string | undefined;
afterAll(() => scratch && rmSync(scratch, { recursive: true, force: true }));

/**
 * An app for constructs under test. It is never synthesized to disk, but an App makes its folder:
 * one per test file, removed afterwards (Testing.app() would leave one per call in /tmp).
 */
export function testApp(): App {
  scratch ??= mkdtempSync(join(tmpdir(), "labyrinth-test-app-"));
  return new App({ outdir: scratch, stackTraces: false });
}

/** An empty stack of its own app, for constructs under test. */
export function testStack(id: string): TerraformStack {
  return new TerraformStack(testApp(), id);
}

export function synthStack(stack: TerraformStack): TerraformJson {
  return JSON.parse(Testing.synth(stack));
}

/**
 * The lab with the article's settings, or some of them overridden, synthesized as `cdktf synth`
 * does (the whole app, so cross-stack references resolve), read back from its output folder.
 */
export function synthLab(overrides: Partial<LabSettings> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), "labyrinth-lab-"));
  try {
    // As main.ts synthesizes, cdktf's validations included.
    const app = new App({ outdir, stackTraces: false });
    const lab = buildLab(app, { ...DEFAULT_SETTINGS, ...overrides });
    app.synth();
    const read = (stack: TerraformStack): TerraformJson =>
      JSON.parse(readFileSync(join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8"));
    return { lab, infra: read(lab.infrastructure), cluster: read(lab.cluster) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
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

/** Every `type.name` address that `resource` depends on, directly. */
export function dependsOn(resource: any): string[] {
  return resource.depends_on ?? [];
}

/** The Terraform address (`type.key`) of a resource of `json`. */
export function addressOf(json: TerraformJson, type: string, resource: any): string {
  const key = Object.entries(json.resource[type] ?? {}).find(([, r]) => r === resource)?.[0];
  if (!key) throw new Error(`no such ${type}`);
  return `${type}.${key}`;
}
