import type * as K8s from "@kubernetes/client-node" with { "resolution-mode": "import" };

/** The lab's Kubernetes API through the official client, authenticated as the kubeconfig says. */
export interface ClusterApi {
  readonly k8s: typeof K8s;
  readonly config: K8s.KubeConfig;
  readonly server: string;
  readonly core: K8s.CoreV1Api;
  readonly apps: K8s.AppsV1Api;
  readonly batch: K8s.BatchV1Api;
  /** GET /readyz, bounded. */
  ready(timeoutMs?: number): Promise<boolean>;
}

export async function connect(kubeconfig: string): Promise<ClusterApi> {
  // An ES module: imported, not required, from this CommonJS code.
  const k8s = await import("@kubernetes/client-node");
  const config = new k8s.KubeConfig();
  config.loadFromString(kubeconfig);
  const health = new k8s.Health(config);
  return {
    k8s,
    config,
    server: config.getCurrentCluster()?.server ?? "",
    core: config.makeApiClient(k8s.CoreV1Api),
    apps: config.makeApiClient(k8s.AppsV1Api),
    batch: config.makeApiClient(k8s.BatchV1Api),
    ready: (timeoutMs = 5000) => health.readyz({ timeout: timeoutMs }),
  };
}

/** The HTTP status of a failed API call, when it has one (404: not there). */
export function httpStatus(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "number" ? error.code : undefined;
}
