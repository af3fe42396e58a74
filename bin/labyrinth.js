#!/usr/bin/env node
// `npx labyrinth …`: runs the TypeScript entry through tsx, without a build step.
require("tsx/cjs");
require("./labyrinth.ts");
