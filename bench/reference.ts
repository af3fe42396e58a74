import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SUBMODULE_IMPORT = /^import \{([^}]+)\} from "@cdktf\/provider-([a-z-]+)\/lib\/([a-z0-9-]+)";$/gm;

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/**
 * The cdktf template's way to import a provider: from the package root, which loads every
 * resource of the provider. `import { X } from "@cdktf/provider-google/lib/compute-instance"`
 * becomes the root import and `import X = provider_google.computeInstance.X` (a value and a type).
 */
export function rewriteToPackageRoot(source: string): string {
  const packages = new Set<string>();
  const body = source.replace(SUBMODULE_IMPORT, (_line, names: string, pkg: string, submodule: string) => {
    packages.add(pkg);
    const alias = `provider_${pkg.replace(/-/g, "_")}`;
    return names
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean)
      .map((name) => `import ${name} = ${alias}.${camel(submodule)}.${name};`)
      .join("\n");
  });
  const roots = [...packages].map((pkg) => `import * as provider_${pkg.replace(/-/g, "_")} from "@cdktf/provider-${pkg}";`);
  return roots.length > 0 ? `${roots.join("\n")}\n${body}` : body;
}

/** What the template's tsconfig asks of ts-node: CommonJS and full type-checking. */
export const TEMPLATE_TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "CommonJS",
    moduleResolution: "node",
    lib: ["ES2023"],
    strict: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
  },
  "ts-node": { transpileOnly: false },
};

const APP_PARTS = ["main.ts", "stacks", "constructs", "model", "lab", "cloud-init", "workload", "local-exec", "charts", "package.json", "cdktf.json"];

/** A copy of the app with every provider import rewritten to the package root, type-checked by ts-node. */
export function makeTemplateCopy(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), "labyrinth-template-path-"));
  for (const part of APP_PARTS) cpSync(join(root, part), join(dir, part), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TEMPLATE_TSCONFIG, null, 2));
  for (const file of walk(dir)) {
    if (file.endsWith(".ts")) writeFileSync(file, rewriteToPackageRoot(readFileSync(file, "utf8")));
  }
  mkdirSync(join(dir, "cdktf.out"), { recursive: true });
  return dir;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules") return [];
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** The template's app command, from its cdktf.json. */
export const TEMPLATE_APP = ["npx", "ts-node", "main.ts"];
