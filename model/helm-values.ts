/** Helm chart values, as values.yaml holds them, and the paths that name them. */

/** A Helm value: what values.yaml can hold. */
export type HelmValue = string | number | boolean | null | readonly HelmValue[] | { readonly [key: string]: HelmValue };

/** Chart values by key, nested as in values.yaml. */
export type HelmValues = { readonly [key: string]: HelmValue };

/** A map of values, not a scalar or a list. */
export function isMap(value: unknown): value is HelmValues {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A key's path below `prefix`, as the key lists write it: dotted, and `a["kubernetes.io/os"]` for a key with a dot or a slash. */
export function valuePath(prefix: string, key: string): string {
  const segment = /[./]/.test(key) ? `["${key}"]` : key;
  return prefix && !segment.startsWith("[") ? `${prefix}.${segment}` : `${prefix}${segment}`;
}

/**
 * `extra` laid over `base`, maps merged key by key; a key that both set (or a map in one where the
 * other has a value) is returned as a conflict instead of being overwritten.
 */
export function mergeValues(base: HelmValues, extra: HelmValues, prefix = ""): { values: HelmValues; conflict?: string } {
  const values: Record<string, HelmValue> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const path = valuePath(prefix, key);
    const mine = base[key];
    if (mine === undefined) {
      values[key] = value;
    } else if (isMap(mine) && isMap(value)) {
      const merged = mergeValues(mine, value, path);
      if (merged.conflict) return merged;
      values[key] = merged.values;
    } else {
      return { values, conflict: path };
    }
  }
  return { values };
}

/** `values`, with each key of `defaults` that it does not set filled in: a default gives way to a value set. */
export function withDefaults(values: HelmValues, defaults: HelmValues): HelmValues {
  const filled: Record<string, HelmValue> = { ...values };
  for (const [key, value] of Object.entries(defaults)) {
    const mine = values[key];
    filled[key] = mine === undefined ? value : isMap(mine) && isMap(value) ? withDefaults(mine, value) : mine;
  }
  return filled;
}
