/** A systemd unit file's directives by section, each with all its values in order (keys repeat). */
export type UnitFile = Record<string, Record<string, string[]>>;

export function parseUnit(text: string): UnitFile {
  const unit: UnitFile = {};
  let section: Record<string, string[]> | undefined;
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = unit[header[1]] ??= {};
    else if (section && line.includes("=")) {
      const [key, ...value] = line.split("=");
      (section[key.trim()] ??= []).push(value.join("=").trim());
    } else throw new Error(`not a unit file line: ${line}`);
  }
  return unit;
}
