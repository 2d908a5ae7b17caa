// A Redis connection whose next call of one Lua script (by its EVALSHA, src/redis/script-call.ts) throws
// once, after calling `onFailure`: a crash at that instant of a batch (publishing, acknowledging).
import { createHash } from "node:crypto"
import type { Redis } from "ioredis"
import { scriptSource } from "../../src/redis/script-source.ts"
import { withMethods } from "./runtime.ts"

const shaOf = (script: string): string => createHash("sha1").update(scriptSource(script)).digest("hex")

/** `redis`, except that its first call of `script` (e.g. "events-publish") throws after `onFailure()`. */
export const scriptFailsOnce = (redis: Redis, script: string, onFailure: () => void): Redis => {
  const sha = shaOf(script)
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
