// Test runner configuration: one suite (`npm test`), in four projects by folder. Unit tests need neither
// Redis nor Postgres and share worker threads without isolation (pure code, no process state); the rest
// run in forked processes. Tests beyond unit may run the compiled `clawbot` (bin/ → dist/), so those
// projects' global setup builds dist/ first, once per run.
import { defineConfig } from "vitest/config"

const BUILD = "tests/support/build-once.ts"

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One more try for a failed test. Under the whole suite on 2 cores, a control socket now and then
    // gets no ack for a heartbeat within 10 s after the agent's previous socket closed
    // (tests/e2e/sockets/flood.test.ts, disconnect.test.ts); alone they pass every time. Open
    // question, noted in issue 8; a test that fails twice still fails the run.
    retry: 1,
    projects: [
      { extends: true, test: { name: "unit", include: ["tests/unit/**/*.test.ts"], pool: "threads", isolate: false } },
      { extends: true, test: { name: "integration", include: ["tests/integration/**/*.test.ts"], pool: "forks", globalSetup: [BUILD] } },
      { extends: true, test: { name: "chaos", include: ["tests/chaos/**/*.test.ts"], pool: "forks", globalSetup: [BUILD] } },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["tests/**/*.test.ts"],
          exclude: ["tests/unit/**", "tests/integration/**", "tests/chaos/**"],
          pool: "forks",
          globalSetup: [BUILD],
        },
      },
    ],
  },
})
