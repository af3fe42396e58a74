import * as ipaddr from "ipaddr.js";
import { SettingError } from "./errors";

/** An IPv4 network such as 10.168.0.0/24, parsed once. */
export interface Ipv4Cidr {
  readonly text: string;
  readonly base: number;
  readonly bits: number;
  readonly size: number;
}

function toInt(addr: ipaddr.IPv4): number {
  return addr.octets.reduce((n, octet) => n * 256 + octet, 0);
}

function fromInt(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Parses an IPv4 address or throws a SettingError that names `setting`. */
export function parseAddress(text: string, setting: string): number {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) {
    throw new SettingError(setting, `"${text}" is not an IPv4 address: use four decimal parts such as 10.168.0.2`);
  }
  return toInt(ipaddr.IPv4.parse(text));
}

/** Parses a network in CIDR notation; the address must be the network's first one. */
export function parseCidr(text: string, setting: string): Ipv4Cidr {
  let parsed: [ipaddr.IPv4, number];
  try {
    parsed = ipaddr.IPv4.parseCIDR(text);
  } catch {
    throw new SettingError(setting, `"${text}" is not an IPv4 CIDR: use a form such as 10.168.0.0/24`);
  }
  const [addr, bits] = parsed;
  const base = toInt(addr);
  const size = 2 ** (32 - bits);
  if (base % size !== 0) {
    const network = fromInt(base - (base % size));
    throw new SettingError(setting, `"${text}" has host bits set: use ${network}/${bits}`);
  }
  return { text: `${fromInt(base)}/${bits}`, base, bits, size };
}

export function contains(cidr: Ipv4Cidr, address: number): boolean {
  return address >= cidr.base && address < cidr.base + cidr.size;
}

export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** The address at `index` inside the network (0 is the network address). */
export function addressAt(cidr: Ipv4Cidr, index: number): string {
  return fromInt(cidr.base + index);
}

/** The position of `address` inside the network. */
export function indexOf(cidr: Ipv4Cidr, address: number): number {
  return address - cidr.base;
}
