import { parseLifetime } from "../model/lifetime";
import { named, resourcesOf, synthLab } from "./support/synth";
import { kubeadmConfig } from "./support/user-data";

// Bad ttls, and Spot on a machine type without Spot capacity, are in bad-input.test.ts.
describe("parseLifetime", () => {
  test.each([
    ["4h", 14400, "4h"],
    ["90m", 5400, "90m"],
    ["1.5h", 5400, "90m"],
    ["2d", 172800, "2d"],
    ["30s", 30, "30s"],
    ["120d", 10368000, "120d"],
    ["off", undefined, "off"],
    ["NONE", undefined, "off"],
  ])("%s → %s seconds, label %s", (text, seconds, label) => {
    expect(parseLifetime(text)).toEqual({ seconds, label });
  });
});

describe("expiry on every VM", () => {
  const { infra } = synthLab();
  const vms = resourcesOf(infra, "google_compute_instance");

  test("by default Google Cloud deletes each VM 4 hours after it starts, and it says so in its labels", () => {
    for (const vm of vms) {
      expect(vm.scheduling).toEqual({
        provisioning_model: "STANDARD",
        preemptible: false,
        automatic_restart: true,
        on_host_maintenance: "MIGRATE",
        instance_termination_action: "DELETE",
        max_run_duration: { seconds: 14400 },
      });
      expect(vm.labels).toMatchObject({ lab: "labyrinth", ttl: "4h" });
      expect(vm.boot_disk.initialize_params.labels).toMatchObject({ lab: "labyrinth", ttl: "4h" });
      // The disk goes with the VM: nothing bills after expiry.
      expect(vm.boot_disk.auto_delete).toBe(true);
    }
  });

  test("nothing that bills outlives the VMs: no reserved address, disk or snapshot of its own", () => {
    for (const type of ["google_compute_address", "google_compute_disk", "google_compute_snapshot", "google_compute_resource_policy"]) {
      expect(resourcesOf(infra, type)).toHaveLength(0);
    }
  });

  test("the bootstrap token lives at least as long as the lab", () => {
    const long = synthLab({ ttl: "3d" }).infra;
    const cp = named(long, "google_compute_instance", "labyrinth-node-0");
    expect(kubeadmConfig(cp).InitConfiguration.bootstrapTokens[0].ttl).toBe("72h0m0s");
    expect(kubeadmConfig(named(infra, "google_compute_instance", "labyrinth-node-0")).InitConfiguration.bootstrapTokens[0].ttl).toBe("24h0m0s");
  });

  test("ttl off: no run duration, label ttl=off", () => {
    const off = synthLab({ ttl: "off" }).infra;
    for (const vm of resourcesOf(off, "google_compute_instance")) {
      expect(vm.scheduling.max_run_duration).toBeUndefined();
      expect(vm.scheduling.instance_termination_action).toBeUndefined();
      expect(vm.labels.ttl).toBe("off");
    }
  });
});

describe("Spot", () => {
  test("Spot VMs are deleted when reclaimed, and still expire", () => {
    const { infra } = synthLab({ spot: true, ttl: "2h" });
    for (const vm of resourcesOf(infra, "google_compute_instance")) {
      expect(vm.scheduling).toEqual({
        provisioning_model: "SPOT",
        preemptible: true,
        automatic_restart: false,
        on_host_maintenance: "TERMINATE",
        instance_termination_action: "DELETE",
        max_run_duration: { seconds: 7200 },
      });
    }
  });

  test("healing: a replaced control plane replaces the workers, which then join the new cluster", () => {
    const { infra } = synthLab({ spot: true });
    const cpKey = Object.entries(infra.resource.google_compute_instance).find(([, vm]) => vm.name === "labyrinth-node-0")![0];
    expect(named(infra, "google_compute_instance", "labyrinth-node-0").lifecycle).toEqual({ ignore_changes: [`metadata["labyrinth-ca-key"]`] });
    for (const name of ["labyrinth-node-1", "labyrinth-node-2"]) {
      expect(named(infra, "google_compute_instance", name).lifecycle).toEqual({ replace_triggered_by: [`google_compute_instance.${cpKey}.id`] });
    }
  });
});

describe("a second deploy after expiry or a reclaim", () => {
  test("the infrastructure stack ends when the (new) API server answers, so the in-cluster stack refreshes against a live one", () => {
    const { infra } = synthLab();
    const [gate] = resourcesOf(infra, "terraform_data");
    const cpKey = Object.entries(infra.resource.google_compute_instance).find(([, vm]) => vm.name === "labyrinth-node-0")![0];
    expect(gate.depends_on).toEqual([`google_compute_instance.${cpKey}`]);
    expect(gate.provisioner[0]["local-exec"].command).toMatch(/wait\.mjs readyz$/);
    expect(gate.provisioner[0]["local-exec"].environment.LABYRINTH_CLIENT_KEY).toBeUndefined();
    // A new control plane has a new address: the wait runs again.
    expect(gate.triggers_replace.endpoint).toBe(`https://\${google_compute_instance.${cpKey}.network_interface[0].access_config[0].nat_ip}:6443`);
  });
});
