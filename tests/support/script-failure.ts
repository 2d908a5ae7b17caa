// A Redis connection whose next call of one Lua script (by its EVALSHA, src/redis/script-call.ts) throws
// once, after calling `onFailure`: a crash at that instant of a batch (publishing, acknowledging).
import type { Redis } from "ioredis"
import { scriptSha } from "../../src/redis/script-call.ts"
import { scriptSource } from "../../src/redis/script-source.ts"
import { withMethods } from "./runtime.ts"

/** `redis`, except that its first call of `script` (e.g. "events-publish") throws after `onFailure()`. */
export const scriptFailsOnce = (redis: Redis, script: string, onFailure: () => void): Redis => {
  const sha = scriptSha(scriptSource(script))
  let failed = false
  return withMethods(redis, {
    evalsha:
      (original) =>
      (...args) => {
        if (failed || args[0] !== sha) return original(...args)
        failed = true
        onFailure()
        throw new Error(`${script} failed`)
      },
  })
}
