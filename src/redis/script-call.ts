// How a Lua script is called: EVALSHA with the SHA1 of its source, then EVAL (which caches it again) once
// Redis answers NOSCRIPT (a restarted server, SCRIPT FLUSH). Nothing is defined on the connection, so a
// script's first use is an ordinary command, also on a live connection that auto-pipelines (the project's
// did until round 36 of docs/performance.md; tests/integration/redis/script-first-use.test.ts): ioredis `defineCommand`
// called while an auto-pipeline of the connection is being filled leaves the command out of that pipeline,
// which then answers its callbacks out of step (ioredis throws "results[i] is not iterable", and the
// commands queued with it fail or get another's answer).
import { createHash } from "node:crypto"
import type { Redis } from "ioredis"

/** Calls one script with `numberOfKeys` keys first among `args`; `bytes`: its answer's strings as Buffers. */
export type ScriptCall = (redis: Redis, numberOfKeys: number, args: ReadonlyArray<string | number>, bytes?: boolean) => Promise<unknown>

/** ioredis's Buffer-answering EVALSHA and EVAL, which it defines for every command but leaves out of its types
 * (`callBuffer` would not do: auto-pipelined, it drops the command's name). */
interface BufferScripting {
  evalshaBuffer(sha: string, numberOfKeys: number, ...args: ReadonlyArray<string | number>): Promise<unknown>
  evalBuffer(source: string, numberOfKeys: number, ...args: ReadonlyArray<string | number>): Promise<unknown>
}

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith("NOSCRIPT")

/** The SHA1 Redis caches a script's source under (what EVALSHA names). */
export const scriptSha = (source: string): string => createHash("sha1").update(source).digest("hex")

/** The call of the script whose source is `source`. */
export const scriptCall = (source: string): ScriptCall => {
  const sha = scriptSha(source)
  return async (redis, numberOfKeys, args, bytes = false) => {
    const buffers = redis as unknown as BufferScripting
    try {
      return await (bytes ? buffers.evalshaBuffer(sha, numberOfKeys, ...args) : redis.evalsha(sha, numberOfKeys, ...args))
    } catch (error) {
      if (!isNoScript(error)) throw error
      return bytes ? buffers.evalBuffer(source, numberOfKeys, ...args) : redis.eval(source, numberOfKeys, ...args)
    }
  }
}
