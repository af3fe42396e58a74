// Tests transpile TypeScript without type-checking (swc); `npm run typecheck` checks types.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Many tests wait on child processes (the CLI, the box, shell scripts): more workers than cores.
  maxWorkers: 3,
  // Room for a child process's start and a few bounded waits on two loaded cores (the default is 5 s).
  testTimeout: 30_000,
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
};
