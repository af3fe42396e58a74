/**
 * Google Cloud list prices in USD, kept in one place. Machines per hour (on-demand, Spot), boot
 * disks per GB-month, in-use external IPv4 addresses per hour.
 *
 * Source: Google's Cloud Billing Catalog as exported by Cyclenerd/google-cloud-pricing-cost-calculator
 * (pricing.yml at commit fd66b26, generated 2026-07-30). Spot prices move from week to week.
 * External IPv4: $0.005/h on a standard VM (same export); $0.0025/h on a Spot VM (Google's network
 * pricing page, as read on 2026-10-16). Check https://cloud.google.com/compute/all-pricing for today's.
 */
export const PRICES_AS_OF = "2026-07-30";

export interface RegionPrices {
  /** Per hour: [on-demand, Spot or null where Google sells no Spot]. */
  readonly machines: Record<string, [number, number | null]>;
  /** Per GB-month. */
  readonly disks: Record<string, number>;
}

export const PRICES: Record<string, RegionPrices> = {
  "us-central1": {
    machines: { "e2-small": [0.0167529, 0.010053], "e2-medium": [0.0335057, 0.020106], "e2-standard-2": [0.0670114, 0.040212], "e2-standard-4": [0.134023, 0.080424], "n2-standard-2": [0.097118, 0.04606], "n2d-standard-2": [0.084492, 0.024456], "t2d-standard-1": [0.042246, 0.01576] },
    disks: { "pd-standard": 0.04, "pd-balanced": 0.1, "pd-ssd": 0.17 },
  },
  "us-east1": {
    machines: { "e2-small": [0.0167529, 0.010053], "e2-medium": [0.0335057, 0.020106], "e2-standard-2": [0.0670114, 0.040212], "e2-standard-4": [0.134023, 0.080424], "n2-standard-2": [0.097118, 0.04606], "n2d-standard-2": [0.084492, 0.024456], "t2d-standard-1": [0.042246, 0.01576] },
    disks: { "pd-standard": 0.04, "pd-balanced": 0.1, "pd-ssd": 0.17 },
  },
  "us-east4": {
    machines: { "e2-small": [0.0188677, 0.010345], "e2-medium": [0.0377354, 0.02069], "e2-standard-2": [0.0754708, 0.04138], "e2-standard-4": [0.150942, 0.08276], "n2-standard-2": [0.109378, 0.025036], "n2d-standard-2": [0.09516, 0.048508], "t2d-standard-1": [0.04758, 0.015824] },
    disks: { "pd-standard": 0.044, "pd-balanced": 0.11, "pd-ssd": 0.187 },
  },
  "us-west1": {
    machines: { "e2-small": [0.0167529, 0.010053], "e2-medium": [0.0335057, 0.020106], "e2-standard-2": [0.0670114, 0.040212], "e2-standard-4": [0.134023, 0.080424], "n2-standard-2": [0.097118, 0.04606], "n2d-standard-2": [0.084492, 0.024456], "t2d-standard-1": [0.042246, 0.01576] },
    disks: { "pd-standard": 0.04, "pd-balanced": 0.1, "pd-ssd": 0.17 },
  },
  "europe-west1": {
    machines: { "e2-small": [0.0184289, 0.008926], "e2-medium": [0.0368577, 0.017852], "e2-standard-2": [0.0737155, 0.035704], "e2-standard-4": [0.147431, 0.071408], "n2-standard-2": [0.106834, 0.023444], "n2d-standard-2": [0.092946, 0.04034], "t2d-standard-1": [0.046473, 0.013902] },
    disks: { "pd-standard": 0.04, "pd-balanced": 0.1, "pd-ssd": 0.17 },
  },
  "europe-west3": {
    machines: { "e2-small": [0.0215839, 0.010483], "e2-medium": [0.0431678, 0.020966], "e2-standard-2": [0.0863356, 0.041932], "e2-standard-4": [0.172671, 0.083864], "n2-standard-2": [0.125124, 0.049796], "n2d-standard-2": [0.108854, 0.065312], "t2d-standard-1": [0.054427, 0.02006] },
    disks: { "pd-standard": 0.048, "pd-balanced": 0.12, "pd-ssd": 0.204 },
  },
  "europe-west4": {
    machines: { "e2-small": [0.018443, 0.008816], "e2-medium": [0.036886, 0.017632], "e2-standard-2": [0.073772, 0.035264], "e2-standard-4": [0.147544, 0.070528], "n2-standard-2": [0.106916, 0.038868], "n2d-standard-2": [0.09302, 0.03256], "t2d-standard-1": [0.04651, 0.015364] },
    disks: { "pd-standard": 0.044, "pd-balanced": 0.11, "pd-ssd": 0.187 },
  },
  "asia-northeast1": {
    machines: { "e2-small": [0.0214914, 0.012896], "e2-medium": [0.0429829, 0.025792], "e2-standard-2": [0.0859657, 0.051584], "e2-standard-4": [0.171931, 0.103168], "n2-standard-2": [0.124588, 0.032704], "n2d-standard-2": [0.108396, 0.045704], "t2d-standard-1": [0.054198, 0.010566] },
    disks: { "pd-standard": 0.052, "pd-balanced": 0.13, "pd-ssd": 0.221 },
  },
  "asia-southeast1": {
    machines: { "e2-small": [0.0206665, 0.010791], "e2-medium": [0.0413331, 0.021582], "e2-standard-2": [0.0826661, 0.043164], "e2-standard-4": [0.165332, 0.086328], "n2-standard-2": [0.119806, 0.04666], "n2d-standard-2": [0.104234, 0.021384], "t2d-standard-1": [0.052117, 0.01484] },
    disks: { "pd-standard": 0.044, "pd-balanced": 0.11, "pd-ssd": 0.187 },
  },
  "australia-southeast1": {
    machines: { "e2-small": [0.0237705, 0.011081], "e2-medium": [0.047541, 0.022162], "e2-standard-2": [0.095082, 0.044324], "e2-standard-4": [0.190164, 0.088648], "n2-standard-2": [0.1378, 0.052812], "n2d-standard-2": [0.11989, 0.05192], "t2d-standard-1": [0.059945, 0.01668] },
    disks: { "pd-standard": 0.054, "pd-balanced": 0.135, "pd-ssd": 0.23 },
  },
};

export const EXTERNAL_IPV4_PER_HOUR = { standard: 0.005, spot: 0.0025 };

/** Hours in Google's billing month. */
export const HOURS_PER_MONTH = 730;
