import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Document, isScalar, parseAllDocuments, visit } from "yaml";

/**
 * The folders of real, lintable files that the constructs ship or fill in (cloud-init/,
 * workload/, local-exec/, charts/) sit beside constructs/, in the sources and in dist/ alike.
 */
export const ASSETS_ROOT = join(__dirname, "..");

const PLACEHOLDER = /^\{\{(\w+)\}\}$/;

/** One of those files, as text: `readAsset("cloud-init/lib.sh")`. */
export function readAsset(path: string): string {
  return readFileSync(join(ASSETS_ROOT, path), "utf8");
}

/** A file of the cloud-init folder, as text. */
export function readCloudInit(file: string): string {
  return readAsset(join("cloud-init", file));
}

/**
 * Fills a YAML template: every scalar that is exactly "{{name}}" becomes `values[name]`
 * as a YAML value of its own type (a string, a boolean, a list...). Comments and layout
 * stay. A blank without a value, or a value without a blank, is a bug: both throw.
 */
export function fillYaml(template: string, values: Record<string, unknown>, source = "template"): string {
  const unused = new Set(Object.keys(values));
  const docs = parseAllDocuments(template);
  for (const doc of docs) {
    if (!(doc instanceof Document)) throw new Error(`${source} is not YAML`);
    if (doc.errors.length > 0) throw new Error(`${source} is not valid YAML: ${doc.errors[0].message}`);
    visit(doc, {
      Scalar(_key, node) {
        const match = typeof node.value === "string" ? PLACEHOLDER.exec(node.value) : null;
        if (!match) return undefined;
        const name = match[1];
        if (!(name in values)) throw new Error(`${source} has a blank {{${name}}} with no value`);
        unused.delete(name);
        const filled = doc.createNode(values[name]);
        if (isScalar(filled) && typeof filled.value === "string" && filled.value.includes("\n")) {
          filled.type = "BLOCK_LITERAL";
        }
        return filled;
      },
    });
  }
  if (unused.size > 0) throw new Error(`${source} has no blank for ${[...unused].join(", ")}`);
  return docs.map((doc) => doc.toString({ lineWidth: 0 })).join("");
}

/**
 * Text that Terraform must pass through untouched: in a configuration string, `${` and `%{`
 * start Terraform's own templates, so a shell script's `${VAR}` is written `$${VAR}`.
 */
export function terraformLiteral(text: string): string {
  return text.replace(/([$%])\{/g, (_match, sigil: string) => `${sigil}${sigil}{`);
}
