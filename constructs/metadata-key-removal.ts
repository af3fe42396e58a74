import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { AssetType, ITerraformDependable, TerraformAsset, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { check } from "../model/errors";
import { ASSETS_ROOT } from "./template";
import { TerraformData } from "./terraform-data";

export interface MetadataKeyRemovalProps {
  /** The VM whose instance metadata loses the key. */
  readonly instance: ComputeInstance;
  /** The metadata key to remove. */
  readonly key: string;
  /** What must be done first: for a secret, proof that the VM has read and kept it. */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * Removes one key from a VM's instance metadata once `dependsOn` is done, and again whenever the
 * VM is replaced: a terraform_data whose local-exec calls the Compute API with the deployer's
 * application-default credentials. The VM's resource must ignore changes to that key
 * (`lifecycle.ignoreChanges`, as KubeadmNode does for the CA key), or the next deploy puts it back.
 */
export class MetadataKeyRemoval extends Construct {
  /** The terraform_data whose local-exec does the work: what later resources depend on. */
  public readonly resource: TerraformResource;

  constructor(scope: Construct, id: string, props: MetadataKeyRemovalProps) {
    super(scope, id);
    check(/^[A-Za-z0-9_-]{1,128}$/.test(props.key), "key", `"${props.key}" is not a metadata key: use letters, digits, "_" and "-"`);
    const script = new TerraformAsset(this, "Script", { path: `${ASSETS_ROOT}/local-exec/remove-metadata-key.mjs`, type: AssetType.FILE });
    this.resource = new TerraformData(this, "Resource", {
      // instance_id, unlike id (projects/…/instances/NAME), is new for a replaced VM of the same name.
      triggersReplace: { instance: props.instance.instanceId, key: props.key },
      dependsOn: props.dependsOn,
      provisioners: [
        {
          type: "local-exec",
          command: `node ${script.path}`,
          environment: {
            LABYRINTH_INSTANCE: props.instance.id,
            LABYRINTH_METADATA_KEY: props.key,
            // Tests point the script at a stand-in; an exported value never redirects a deploy.
            LABYRINTH_COMPUTE_API: "",
          },
        },
      ],
    });
  }
}
