import { check } from "./errors";

/** Google Cloud resource names (RFC 1035): lowercase letter first, then letters, digits, dashes. */
export function checkGceName(value: string, setting: string): void {
  check(
    /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value),
    setting,
    `"${value}" is not a valid Google Cloud name: use at most 63 lowercase letters, digits and dashes, starting with a letter and not ending with a dash`,
  );
}

/** Google Cloud label values: lowercase letters, digits, `_` and `-`, at most 63. */
export function checkGceLabelValue(value: string, setting: string): void {
  check(
    /^[a-z0-9_-]{0,63}$/.test(value),
    setting,
    `"${value}" is not a valid Google Cloud label value: use at most 63 lowercase letters, digits, "_" and "-"`,
  );
}

/** Kubernetes names of namespaces, services and nodes' short names (RFC 1123 label). */
export function checkDnsLabel(value: string, setting: string): void {
  check(
    value.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value),
    setting,
    `"${value}" is not a valid Kubernetes name: use at most 63 lowercase letters, digits and dashes, starting and ending with a letter or digit`,
  );
}

/** Kubernetes label values: at most 63 characters, alphanumerics with `-`, `_`, `.` inside. */
export function checkK8sLabelValue(value: string, setting: string): void {
  check(
    value.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value),
    setting,
    `"${value}" is not a valid Kubernetes label value: use at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
  );
}

/** The forms a version may take: a minor (1.33), a minor or an exact release (1.33, 1.33.1), an exact release. */
const VERSION_FORMS = { minor: /^\d+\.\d+$/, "minor-or-exact": /^\d+\.\d+(\.\d+)?$/, exact: /^\d+\.\d+\.\d+$/ } as const;

/** A version such as 1.33 or 1.33.1, in the form `form` allows. */
export function checkVersion(value: string, setting: string, example: string, form: keyof typeof VERSION_FORMS = "minor-or-exact"): void {
  check(VERSION_FORMS[form].test(value), setting, `"${value}" is not a version: use a form such as ${example}`);
}

/** Checks an image reference: registry/path:tag or @sha256 digest, never an implicit latest. */
export function checkImage(image: string, setting: string): void {
  check(
    /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9._/-]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(image) && /[:@]/.test(image.split("/").pop() ?? ""),
    setting,
    `"${image}" is not a pinned image reference: use registry/name:tag, such as docker.io/nicolaka/netshoot:v0.16`,
  );
  check(!/:latest$/.test(image), setting, `"${image}" uses the moving tag latest: pin a version tag or a digest`);
}
