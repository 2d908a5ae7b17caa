// Vitest global setup of the projects that may run the compiled `clawbot`: builds dist/ once per test run
// (the projects' setups share one build), so those tests never run a stale build.
import { build } from "../../scripts/build.mjs"

const shared = globalThis as { clawbotBuild?: Promise<void> }

export default async function buildOnce(): Promise<void> {
  shared.clawbotBuild ??= build({ tolerateTypeErrors: true })
  await shared.clawbotBuild
}
