import { DEFAULTS } from "./defaults";
import { check } from "./errors";
import { Lifetime } from "./lifetime";
import { kubeconfigUser } from "./names";

/** What a cluster identity is made from: its admin's name and its lifetimes, in hours; each has a default. */
export interface IdentityInput {
  /**
   * The admin client certificate's user (its common name), as the API server sees it and as the
   * lab's kubeconfig names it.
   * @default "labyrinth-admin" (the admin of the lab named "labyrinth")
   */
  readonly adminUser?: string;
  /**
   * Lifetime of the kubeadm bootstrap token, in whole hours from 1: workers can join while it
   * lives. Keep it at least as long as the lab lives, so a recreated worker can still join.
   * @default 24 (kubeadm's default)
   */
  readonly tokenTtlHours?: number;
  /**
   * Validity of the cluster CA, in whole hours from 24. The CA is never renewed early: a renewal
   * would replace it, and the cluster with it.
   * @default 87600 (10 years, as kubeadm)
   */
  readonly caValidityHours?: number;
  /**
   * Validity of the admin client certificate (group system:masters, which cannot be revoked short
   * of replacing the CA), in whole hours from 1. Keep it close to the lab's life.
   * @default 720 (30 days)
   */
  readonly adminValidityHours?: number;
  /**
   * A deploy replaces the admin certificate once less than this many hours are left of it;
   * 0 never renews it early. Less than `adminValidityHours`.
   * @default 168 (its last week)
   */
  readonly adminRenewalHours?: number;
}

export interface IdentityModel {
  /** The admin client certificate's user: `<lab>-admin`. */
  readonly adminUser: string;
  /** How long the bootstrap token lives after the control plane last refreshed it. */
  readonly tokenTtlHours: number;
  /** The CA is never renewed early: a renewal would replace it, and the cluster with it. */
  readonly caValidityHours: number;
  readonly adminValidityHours: number;
  /** A deploy replaces the admin certificate once less than this is left of it (0: never). */
  readonly adminRenewalHours: number;
}

/** kubeadm's default for a token; 10 years for the CA, as kubeadm; 30 days for admin with no ttl. */
const DEFAULT_HOURS = { token: 24, ca: 87600, admin: 720, adminRenewal: 168 };

export function resolveIdentity(input: IdentityInput): IdentityModel {
  const model = {
    adminUser: input.adminUser ?? kubeconfigUser(DEFAULTS.name),
    tokenTtlHours: input.tokenTtlHours ?? DEFAULT_HOURS.token,
    caValidityHours: input.caValidityHours ?? DEFAULT_HOURS.ca,
    adminValidityHours: input.adminValidityHours ?? DEFAULT_HOURS.admin,
    adminRenewalHours: input.adminRenewalHours ?? DEFAULT_HOURS.adminRenewal,
  };
  // The certificate's common name is the user Kubernetes sees: an empty one is refused.
  check(/^[^\s,/]{1,64}$/.test(model.adminUser), "adminUser", `"${model.adminUser}" is not a user name: use 1 to 64 characters, no spaces, commas or slashes, such as labyrinth-admin`);
  // kubeadm reads "0" as a token that never expires: always keep a bound.
  check(Number.isInteger(model.tokenTtlHours) && model.tokenTtlHours >= 1, "tokenTtlHours", "must be a whole number of hours, at least 1");
  check(Number.isInteger(model.caValidityHours) && model.caValidityHours >= 24, "caValidityHours", "must be a whole number of hours, at least 24");
  check(Number.isInteger(model.adminValidityHours) && model.adminValidityHours >= 1, "adminValidityHours", "must be a whole number of hours, at least 1");
  check(
    Number.isInteger(model.adminRenewalHours) && model.adminRenewalHours >= 0 && model.adminRenewalHours < model.adminValidityHours,
    "adminRenewalHours",
    `must be a whole number of hours from 0 to less than adminValidityHours (${model.adminValidityHours})`,
  );
  return model;
}

/**
 * The identity of lab `lab` for VMs that live `lifetime`; its admin is the lab's kubeconfig user.
 * The admin certificate outlives every VM a deploy can make: it is valid for two lifetimes and a
 * day, and a deploy renews it once less than one lifetime and an hour is left, that is before it
 * could make VMs that outlive it. With no expiry, 30 days, renewed by a deploy in its last week.
 */
export function labIdentity(lab: string, lifetime: Lifetime): IdentityModel {
  const adminUser = kubeconfigUser(lab);
  if (lifetime.seconds === undefined) return resolveIdentity({ adminUser });
  const hours = Math.ceil(lifetime.seconds / 3600);
  // The token, too, lives at least as long as the lab, so that a recreated worker can still join.
  return resolveIdentity({ adminUser, tokenTtlHours: Math.max(24, hours), adminValidityHours: 2 * hours + 24, adminRenewalHours: hours + 1 });
}
