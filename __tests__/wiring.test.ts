import { TerraformStack } from "cdktf";
import { ClusterIdentity, KubeadmClusterSettings, KubeadmNode, KubeadmNodeProps, LabyrinthNetwork } from "../constructs";
import { refusal } from "./support/refusal";
import { addressOf, resourcesOf, synthStack, testStack } from "./support/synth";

/** A stack with one network and identity, and a way to add nodes to it. */
function cluster(id: string) {
  const stack = testStack(id);
  const network = new LabyrinthNetwork(stack, "Net", { name: id });
  const identity = new ClusterIdentity(stack, "Identity");
  const settings: KubeadmClusterSettings = { controlPlaneAddress: "10.168.0.2" };
  const node = (nodeId: string, props: Partial<KubeadmNodeProps> & Pick<KubeadmNodeProps, "role" | "internalAddress">) =>
    new KubeadmNode(stack, nodeId, { network, identity, cluster: settings, ...props });
  return { stack, network, identity, settings, node };
}

describe("a worker and its control plane, checked when the worker is built", () => {
  test("a control plane that is a worker", () => {
    const { node } = cluster("cp-worker");
    const w1 = node("W1", { role: "worker", internalAddress: "10.168.0.4" });
    expect(refusal(() => node("W2", { role: "worker", internalAddress: "10.168.0.5", controlPlane: w1 })).message).toBe(
      `controlPlane: ${w1.name} is a worker: pass the cluster's control plane`,
    );
  });

  test("a control plane from another network", () => {
    const a = cluster("net-a");
    const b = cluster("net-b");
    const cp = a.node("Cp", { role: "control-plane", internalAddress: "10.168.0.2", name: "a-cp" });
    expect(refusal(() => b.node("W", { role: "worker", internalAddress: "10.168.0.4", name: "b-w", controlPlane: cp })).message).toBe(
      "controlPlane: a-cp is in network net-a, worker b-w in net-b: put both in one network",
    );
  });

  test("a control plane with another identity", () => {
    const { stack, node } = cluster("other-id");
    const cp = node("Cp", { role: "control-plane", internalAddress: "10.168.0.2", name: "cp" });
    const identity = new ClusterIdentity(stack, "Other");
    expect(refusal(() => node("W", { role: "worker", internalAddress: "10.168.0.4", name: "w", controlPlane: cp, identity })).message).toBe(
      "controlPlane: cp has another cluster identity than worker w: pass the same identity to every node",
    );
  });

  test("a control plane built with other cluster settings", () => {
    const { node, settings } = cluster("settings");
    const cp = node("Cp", { role: "control-plane", internalAddress: "10.168.0.2", name: "cp" });
    const error = refusal(() => node("W", { role: "worker", internalAddress: "10.168.0.4", name: "w", controlPlane: cp, cluster: { ...settings, podCidr: "10.44.0.0/16" } }));
    expect(error.setting).toBe("cluster.podCidr");
    expect(error.message).toBe("cluster.podCidr: cp was built with 10.10.0.0/16, worker w with 10.44.0.0/16: pass the same cluster settings to every node");
  });

  test("a control plane at another address than the worker's controlPlaneAddress", () => {
    const { node, settings } = cluster("moved");
    const cp = node("Cp", { role: "control-plane", internalAddress: "10.168.0.2", name: "cp" });
    expect(refusal(() => node("W", { role: "worker", internalAddress: "10.168.0.4", name: "w", controlPlane: cp, cluster: { ...settings, controlPlaneAddress: "10.168.0.3" } })).message).toBe(
      "controlPlane: cp is at 10.168.0.2, not at the cluster's controlPlaneAddress 10.168.0.3: pass the same cluster settings to every node",
    );
  });
});

describe("a control plane whose address is not the cluster's", () => {
  test("is refused where it is built", () => {
    const { node } = cluster("cp-address");
    expect(refusal(() => node("Cp", { role: "control-plane", internalAddress: "10.168.0.3" })).message).toBe(
      "internalAddress: 10.168.0.3 is not the cluster's controlPlaneAddress 10.168.0.2: the workers would look for the API server there; give the control plane that address",
    );
  });
});

describe("a worker that names no control plane, checked at synth", () => {
  test("alone: no node has its controlPlaneAddress", () => {
    const { stack, node } = cluster("alone");
    node("W", { role: "worker", internalAddress: "10.168.0.4", name: "w" });
    const error = refusal(() => synthStack(stack));
    expect(error.message).toBe(
      "cluster.controlPlaneAddress: worker w joins the API server at 10.168.0.2, but no control-plane KubeadmNode of network alone has that address: build one there, or pass your own as controlPlane",
    );
  });

  test("the only control plane at that address is in another network", () => {
    const a = cluster("elsewhere-a");
    const b = new LabyrinthNetwork(a.stack, "NetB", { name: "elsewhere-b" });
    a.node("Cp", { role: "control-plane", internalAddress: "10.168.0.2", network: b });
    a.node("W", { role: "worker", internalAddress: "10.168.0.4", name: "w" });
    expect(refusal(() => synthStack(a.stack)).setting).toBe("cluster.controlPlaneAddress");
  });

  test("found when built after the worker, and then checked as if named", () => {
    const { stack, node, settings } = cluster("later");
    node("W", { role: "worker", internalAddress: "10.168.0.4", name: "w", cluster: { ...settings, kubeProxy: false } });
    node("Cp", { role: "control-plane", internalAddress: "10.168.0.2", name: "cp" });
    expect(refusal(() => synthStack(stack)).message).toBe("cluster.kubeProxy: cp was built with true, worker w with false: pass the same cluster settings to every node");
  });

  test("found, it replaces the worker when it is replaced, as if named", () => {
    const build = (named: boolean) => {
      const { stack, node } = cluster(named ? "named" : "found");
      const w = (controlPlane?: KubeadmNode) => node("W", { role: "worker", internalAddress: "10.168.0.4", controlPlane });
      if (named) w(node("Cp", { role: "control-plane", internalAddress: "10.168.0.2" }));
      else {
        w();
        node("Cp", { role: "control-plane", internalAddress: "10.168.0.2" });
      }
      return stack;
    };
    for (const stack of [build(true), build(false)]) {
      const json = synthStack(stack);
      const [cp, worker] = ["Cp", "W"].map((id) => resourcesOf(json, "google_compute_instance").find((vm) => vm.name.startsWith(`${stack.node.id}-${id.toLowerCase()}-`)));
      expect(worker.lifecycle).toEqual({ replace_triggered_by: [`${addressOf(json, "google_compute_instance", cp)}.id`] });
    }
  });

  test("a control plane in another stack is found and checked, with no address that crosses stacks", () => {
    const { stack, network, identity, settings, node } = cluster("split");
    node("Cp", { role: "control-plane", internalAddress: "10.168.0.2" });
    const other = new TerraformStack(stack.node.root, "split-workers");
    new KubeadmNode(other, "W", { role: "worker", network, identity, cluster: settings, internalAddress: "10.168.0.4" });
    const [worker] = resourcesOf(synthStack(other), "google_compute_instance");
    expect(worker.lifecycle).toBeUndefined();
  });
});
