import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { repeat, stats } from "../bench/measure";
import { makeTemplateCopy, rewriteToPackageRoot, TEMPLATE_APP, TEMPLATE_TSCONFIG } from "../bench/reference";
import { markdown, ratio, rows } from "../bench/report";

describe("the template's path, as the reference", () => {
  test("provider imports are rewritten to the package root, types and values alike", () => {
    const source = [
      'import { ComputeFirewall, ComputeFirewallAllow } from "@cdktf/provider-google/lib/compute-firewall";',
      'import { Release } from "@cdktf/provider-helm/lib/release";',
      'import { Construct } from "constructs";',
    ].join("\n");
    expect(rewriteToPackageRoot(source)).toBe(
      [
        'import * as provider_google from "@cdktf/provider-google";',
        'import * as provider_helm from "@cdktf/provider-helm";',
        "import ComputeFirewall = provider_google.computeFirewall.ComputeFirewall;",
        "import ComputeFirewallAllow = provider_google.computeFirewall.ComputeFirewallAllow;",
        "import Release = provider_helm.release.Release;",
        'import { Construct } from "constructs";',
      ].join("\n"),
    );
  });

  test("the copy has no submodule import left, and is run by ts-node with type-checking on", () => {
    const dir = makeTemplateCopy(join(__dirname, ".."));
    try {
      const network = readFileSync(join(dir, "constructs", "labyrinth-network.ts"), "utf8");
      expect(network).toContain('import * as provider_google from "@cdktf/provider-google";');
      expect(network).not.toMatch(/@cdktf\/provider-[a-z]+\/lib\//);
      expect(JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8"))).toEqual(TEMPLATE_TSCONFIG);
      expect(TEMPLATE_TSCONFIG["ts-node"].transpileOnly).toBe(false);
      expect(TEMPLATE_APP).toEqual(["npx", "ts-node", "main.ts"]);
      expect(existsSync(join(dir, "node_modules", "cdktf"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("figures and ratios", () => {
  test("min, median and max of the repetitions", () => {
    const times = [0.5, 0.1, 0.3, 0.9];
    let i = 0;
    const measured = repeat("x", 4, () => ({ seconds: times[i++], peakMb: 10 * i }));
    expect(stats(measured.samples)).toEqual({ min: 0.1, median: 0.4, max: 0.9, peakMb: 40 });
  });

  test("ratios come from the measured medians, and the table says so", () => {
    const table = rows([
      { id: "app", label: "app synth", samples: [{ seconds: 1, peakMb: 100 }, { seconds: 1.2, peakMb: 120 }, { seconds: 0.8, peakMb: 110 }] },
      { id: "ref", label: "template synth", samples: [{ seconds: 10, peakMb: 500 }, { seconds: 12, peakMb: 510 }, { seconds: 11, peakMb: 505 }] },
    ]);
    const q = ratio(table, "app", "ref");
    expect(q.value).toBeCloseTo(1 / 11, 10);
    const text = markdown(table, [q], [{ what: "≥ 5× faster", met: true, measured: "11.0×" }], ["node v20"], []);
    expect(text).toContain("| app synth | 3 | 0.80 s | 1.00 s | 1.20 s | 120 MB |");
    expect(text).toContain("| app synth / template synth | 0.09 (11.0× faster) |");
    expect(() => ratio(table, "app", "missing")).toThrow("no measurement missing");
  });
});
