import { parseLifetime } from "../model/lifetime";
import { describeLab, estimateCost } from "../lab/cost";

const lab = { region: "us-east4", machineType: "e2-medium", diskType: "pd-standard", diskSizeGb: 32, vms: 3, spot: false };

describe("the cost estimate, against hand-computed cases", () => {
  test("the article's lab: 3 × (e2-medium $0.0377354/h + 32 GB × $0.044/730 + IPv4 $0.005) = $0.1339926/h", () => {
    const estimate = estimateCost(lab);
    expect(estimate.known).toBe(true);
    if (estimate.known) {
      expect(estimate.perHour).toBeCloseTo(0.1339926, 6);
      expect(estimate.disk).toBeCloseTo((0.044 * 32) / 730, 9);
    }
  });

  test("Spot: 3 × ($0.02069 + $0.0019288 + $0.0025) = $0.0753564/h", () => {
    const estimate = estimateCost({ ...lab, spot: true });
    expect(estimate.known && estimate.perHour).toBeCloseTo(0.0753564, 6);
  });

  test("pd-balanced 100 GB, 4 VMs in us-central1: 4 × ($0.0335057 + 100 × $0.10/730 + $0.005) = $0.2088173/h", () => {
    const estimate = estimateCost({ ...lab, region: "us-central1", diskType: "pd-balanced", diskSizeGb: 100, vms: 4 });
    expect(estimate.known && estimate.perHour).toBeCloseTo(0.2088173, 6);
  });

  test.each([
    [{ region: "asia-south2" }, "no prices for region asia-south2 in lab/prices.ts"],
    [{ machineType: "c3-highcpu-4" }, "no price for c3-highcpu-4 in us-east4 in lab/prices.ts"],
  ])("%o: unknown, never a guess", (change, why) => {
    expect(estimateCost({ ...lab, ...change })).toEqual({ known: false, why });
  });

  test("the line synth and deploy print: lifetime, price per hour, the bill up to expiry", () => {
    expect(describeLab("labyrinth", lab, "us-east4-b", parseLifetime("4h"))).toBe(
      "lab labyrinth: 3 VMs (e2-medium, us-east4-b), deleted by Google Cloud 4h after they start (LABYRINTH_TTL; changing it replaces the VMs); about $0.134/h, at most $0.536 before they expire, nothing after (prices of 2026-07-30)",
    );
    expect(describeLab("labyrinth", lab, "us-east4-b", parseLifetime("off"))).toContain("with no expiry (LABYRINTH_TTL=off): they run until npm run destroy; about $0.134/h, $3.22 a day until destroyed");
    expect(describeLab("x", { ...lab, region: "asia-south2" }, "asia-south2-b", parseLifetime("4h"))).toContain(
      "cost unknown (no prices for region asia-south2 in lab/prices.ts: see https://cloud.google.com/compute/all-pricing)",
    );
  });
});
