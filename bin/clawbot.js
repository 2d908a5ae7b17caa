#!/usr/bin/env node
// The `clawbot` command: loads the TypeScript sources through tsx and runs src/cli.ts.
import { register } from "tsx/esm/api"

register()
await import("../src/cli.ts")
