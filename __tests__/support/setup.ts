import { Testing } from "cdktf";

// cdktf's matchers: toHaveResourceWithProperties and friends.
Testing.setupJest();
