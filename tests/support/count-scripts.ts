// Test support: counts, by script, the EVALSHA calls a connection's client sends to Redis (auto-pipelined or
// not), so a test can say how many round trips a step of the runtime costs.
import type { Redis } from "ioredis"
import { scriptSha } from "../../src/redis/script-call.ts"
import { scriptSource } from "../../src/redis/script-source.ts"

/** Counts the EVALSHA calls of each script of `names` that `redis`'s client sends from now on (the map is live). */
export const countScripts = (redis: Redis, names: ReadonlyArray<string>): Map<string, number> => {
  const bySha = new Map(names.map((name) => [scriptSha(scriptSource(name)), name]))
  const counts = new Map(names.map((name) => [name, 0]))
  const send = redis.sendCommand.bind(redis)
  redis.sendCommand = ((command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
    const name = command.name === "evalsha" ? bySha.get(String(command.args[0])) : undefined
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1)
    return (send as (...args: unknown[]) => unknown)(command, ...rest)
  }) as Redis["sendCommand"]
  return counts
}
