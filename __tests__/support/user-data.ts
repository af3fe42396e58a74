import { parse, parseAllDocuments } from "yaml";

/** What Terraform makes of a literal string in its configuration: `$${` and `%%{` lose their escape. */
export function terraformString(text: string): string {
  return text.replace(/([$%])\1\{/g, "$1{");
}

/** The user-data a node receives, as text. */
export function userDataText(instance: any): string {
  return terraformString(instance.metadata["user-data"]);
}

/** A file that the node's cloud-config writes, by path. */
export function writtenFile(instance: any, path: string): string {
  const config = parse(userDataText(instance));
  const file = config.write_files.find((f: any) => f.path === path);
  if (!file) throw new Error(`user-data writes no ${path}`);
  return file.content;
}

/** The kubeadm configuration documents of a node, by kind. */
export function kubeadmConfig(instance: any): Record<string, any> {
  const docs = parseAllDocuments(writtenFile(instance, "/etc/labyrinth/kubeadm.yaml.in")).map((d) => d.toJS());
  return Object.fromEntries(docs.map((doc) => [doc.kind, doc]));
}

/** The node.env settings of a node. */
export function nodeEnv(instance: any): Record<string, string> {
  const text = writtenFile(instance, "/etc/labyrinth/node.env");
  return Object.fromEntries(
    text.trim().split("\n").map((line) => {
      const match = /^([A-Z_]+)='(.*)'$/.exec(line);
      if (!match) throw new Error(`node.env line is not KEY='value': ${line}`);
      return [match[1], match[2]];
    }),
  );
}
