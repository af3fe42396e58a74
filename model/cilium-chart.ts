/**
 * The value keys of each cilium chart version this library installs, generated from the chart's own
 * values.yaml (bin/cilium-chart-keys.ts): every value CiliumRelease sets, typed or not, is checked
 * against them, so a typo stops synth instead of being ignored by Helm.
 */
import { check } from "./errors";
import { HelmValues, isMap, valuePath } from "./helm-values";
import chart1_17_4 from "./cilium-charts/1.17.4.json";
import chart1_18_12 from "./cilium-charts/1.18.12.json";
import chart1_19_6 from "./cilium-charts/1.19.6.json";

interface ChartKeys {
  /** Every key path values.yaml defines or documents in a comment its templates read. */
  readonly keys: ReadonlySet<string>;
  /** Maps whose keys are the user's (`{}` in values.yaml, or Kubernetes objects such as nodeSelector). */
  readonly open: ReadonlySet<string>;
}

const CHARTS: ReadonlyMap<string, ChartKeys> = new Map(
  [chart1_17_4, chart1_18_12, chart1_19_6].map((chart) => [chart.version, { keys: new Set(chart.keys), open: new Set(chart.open) }]),
);

/** The cilium chart versions whose keys ship here, oldest first. */
export const CILIUM_CHART_VERSIONS: readonly string[] = [...CHARTS.keys()];

/** Refuses a version whose keys do not ship here, naming those that do. */
export function checkChartVersion(version: string, setting: string): void {
  check(CHARTS.has(version), setting, `${version} is not a cilium chart version whose values this library knows: use ${CILIUM_CHART_VERSIONS.join(", ")}`);
}

/** Refuses the first key that the chart of `version` does not have, naming it and the version. */
export function checkChartValues(values: HelmValues, version: string, setting: string): void {
  checkChartVersion(version, setting);
  const chart = CHARTS.get(version)!;
  const walk = (map: HelmValues, prefix: string): void => {
    for (const [key, value] of Object.entries(map)) {
      const path = valuePath(prefix, key);
      check(chart.keys.has(path), setting, `${path} is not a value of the cilium chart ${version}: see its values.yaml`);
      if (isMap(value) && !chart.open.has(path)) walk(value, path);
    }
  };
  walk(values, "");
}
