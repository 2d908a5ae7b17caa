// Test runner configuration: one suite, split by folder (unit runs without Redis or Postgres).
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One more try for a failed test. Under the whole suite on 2 cores, a control socket now and then
    // gets no ack for a heartbeat within 10 s after the agent's previous socket closed
    // (tests/e2e/sockets/flood.test.ts, disconnect.test.ts); alone they pass every time. Open
    // question, noted in issue 8; a test that fails twice still fails the run.
    retry: 1,
  },
})
