import { anyToHclTerraform, anyToTerraform, hashMapper, hashMapperHcl, ITerraformDependable, TerraformResource, TerraformResourceConfig } from "cdktf";
import { Construct } from "constructs";

export interface TerraformDataConfig {
  /** Values whose change replaces the resource, running its provisioners again. */
  readonly triggersReplace: Record<string, string>;
  readonly dependsOn?: ITerraformDependable[];
  readonly provisioners: TerraformResourceConfig["provisioners"];
}

/**
 * Terraform's built-in `terraform_data` (Terraform 1.4 and later), written as cdktf's DataResource
 * writes it, without the validation DataResource adds: that one runs `terraform version` at every
 * synth whose App does not skip validation, so synthesizing would need a Terraform binary. An older
 * Terraform still refuses the resource itself, at plan.
 */
export class TerraformData extends TerraformResource {
  private readonly triggers: Record<string, string>;

  constructor(scope: Construct, id: string, config: TerraformDataConfig) {
    super(scope, id, {
      terraformResourceType: "terraform_data",
      terraformGeneratorMetadata: { providerName: "terraform" },
      dependsOn: config.dependsOn,
      provisioners: config.provisioners,
    });
    this.triggers = config.triggersReplace;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { triggers_replace: hashMapper(anyToTerraform)(this.triggers) };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    return { triggers_replace: hashMapperHcl(anyToHclTerraform)(this.triggers) };
  }
}
