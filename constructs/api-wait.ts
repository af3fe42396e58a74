import { AssetType, ITerraformDependable, TerraformAsset, TerraformResource, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ClusterAccess } from "./cluster-access";
import { DEFAULTS } from "../model/defaults";
import { check } from "../model/errors";
import { ASSETS_ROOT } from "./template";
import { TerraformData } from "./terraform-data";

/** What an ApiWait waits for; made with the static factories. */
export class WaitCondition {
  /** The API server answers /readyz with ok (anonymous: no client certificate needed). */
  static apiServerReady(): WaitCondition {
    return new WaitCondition(["readyz"], false);
  }
  /** A CustomResourceDefinition is established, so objects of its kind can be created. */
  static crdEstablished(name: string): WaitCondition {
    return new WaitCondition(["crd", name], true);
  }
  /** A Job succeeded; if it fails, the wait fails with the Job's FAIL lines. */
  static jobSucceeded(namespace: string, name: string): WaitCondition {
    return new WaitCondition(["job", `${namespace}/${name}`], true);
  }
  private constructor(
    public readonly args: string[],
    public readonly needsClientCertificate: boolean,
  ) {}
}

export interface ApiWaitProps {
  /**
   * How to reach the API server, usually `clusterAccess(controlPlane, identity)`. A condition that
   * needs the client certificate (a CRD, a Job) needs its `clientCredentialsFile`.
   */
  readonly access: ClusterAccess;
  /** What to wait for: `WaitCondition.apiServerReady()`, `.crdEstablished(name)` or `.jobSucceeded(namespace, name)`. */
  readonly condition: WaitCondition;
  /**
   * How long to wait before failing the deploy, in seconds. The article's 32 GB pd-standard disk
   * (about 3.8 MiB/s, 48 write IOPS) makes a first boot slow: packages, images and etcd share it.
   * @default 1800
   */
  readonly timeoutSeconds?: number;
  /**
   * What the failure message tells the user to look at.
   * @default none
   */
  readonly hint?: string;
  /**
   * More values, by name, whose change makes the wait run again (it always does for a new API
   * endpoint).
   * @default {}
   */
  readonly triggers?: Record<string, string>;
  /**
   * Resources that must exist before the wait starts.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * An apply-time wait on the API server: a terraform_data whose local-exec polls, bounded. Unlike a
 * data source, it runs only when created, so plans and destroys never wait on a dead cluster.
 */
export class ApiWait extends Construct {
  /** The terraform_data whose local-exec does the work: what later resources depend on. */
  public readonly resource: TerraformResource;

  constructor(scope: Construct, id: string, props: ApiWaitProps) {
    super(scope, id);
    const timeout = props.timeoutSeconds ?? DEFAULTS.apiWaitSeconds;
    check(Number.isInteger(timeout) && timeout > 0, "timeoutSeconds", "must be a whole number of seconds above 0");
    const script = waitScript(TerraformStack.of(this));
    const { access, condition } = props;
    const credentials = access.clientCredentialsFile;
    check(
      !condition.needsClientCertificate || credentials !== undefined,
      "access.clientCredentialsFile",
      `waiting for ${condition.args.join(" ")} needs the client certificate, which the wait reads from a local state file, and there is none (a remote backend keeps no local file): give the identity's stack cdktf's local backend, or name a state file and outputs that hold the certificate`,
    );
    check(
      !condition.needsClientCertificate || credentials?.stack !== TerraformStack.of(this).node.id,
      "access.clientCredentialsFile",
      `waiting for ${condition.args.join(" ")} in stack ${credentials?.stack} would read that stack's own state, whose outputs its apply writes only as it ends: wait in a stack deployed after it`,
    );
    this.resource = new TerraformData(this, "Resource", {
      // A new API endpoint (a replaced control plane) means a new cluster: wait again.
      triggersReplace: { endpoint: access.endpoint, condition: condition.args.join(" "), ...props.triggers },
      dependsOn: props.dependsOn,
      provisioners: [
        {
          type: "local-exec",
          command: ["node", script.path, ...condition.args].join(" "),
          environment: {
            LABYRINTH_API: access.endpoint,
            LABYRINTH_CA: access.caCertPem,
            // The secret stays in its file: only where to find it is written here.
            ...(condition.needsClientCertificate && credentials
              ? { LABYRINTH_CLIENT_STATE: credentials.statePath, LABYRINTH_CLIENT_CERT_OUTPUT: credentials.certificateOutput, LABYRINTH_CLIENT_KEY_OUTPUT: credentials.keyOutput }
              : {}),
            LABYRINTH_WAIT_SECONDS: String(timeout),
            ...(props.hint ? { LABYRINTH_HINT: props.hint } : {}),
          },
        },
      ],
    });
  }
}

/** One copy of the wait script per stack, shared by all its waits. */
function waitScript(stack: TerraformStack): TerraformAsset {
  const id = "LabyrinthWaitScript";
  return (
    (stack.node.tryFindChild(id) as TerraformAsset | undefined) ??
    new TerraformAsset(stack, id, { path: `${ASSETS_ROOT}/local-exec/wait.mjs`, type: AssetType.FILE })
  );
}
