// docker-compose.yml checked where no Docker runs: Redis with its append-only file, Postgres, the
// migrations, two runtimes and two edges; every Node service runs the package's `clawbot` bin with
// a command the CLI has, flags and environment the configuration knows and accepts, the same Redis,
// Postgres and partitions, URLs that name the services (and Postgres's own password and database),
// and edges reachable from outside on ports of their own.
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { CONFIG_ENV, CONFIG_FLAGS, loadConfig } from "../../../src/config.ts"

interface Service {
  readonly image?: string
  readonly command?: string[]
  readonly environment?: Record<string, string>
  readonly depends_on?: Record<string, { condition: string }>
  readonly ports?: string[]
  readonly volumes?: string[]
}

const compose = parse(readFileSync("docker-compose.yml", "utf8"), { merge: true }) as {
  services: Record<string, Service>
  volumes?: Record<string, unknown>
}
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { bin: { clawbot: string } }
const services = Object.entries(compose.services)

/** `<bin> <command> [--flag value]...` (the bin run as a program, with its shebang's node flags), also as the
 * last step of `sh -c "a && <bin> ..."`. */
const clawbotCommand = (command: string[]): { bin: string; name: string; flags: Record<string, string> } | undefined => {
  const words = command[0] === "sh" ? (command[2] ?? "").split("&&").at(-1)!.trim().split(/\s+/) : command
  if (words[0] !== pkg.bin.clawbot) return undefined
  const [bin = "", name = "", ...rest] = words
  const flags: Record<string, string> = {}
  for (let i = 0; i < rest.length; i += 2) flags[rest[i]!.replace(/^--/, "")] = rest[i + 1] ?? ""
  return { bin, name, flags }
}

const clawbots = services.flatMap(([name, service]) => {
  const command = clawbotCommand(service.command ?? [])
  return command ? [{ name, service, command }] : []
})
const running = (command: string) => clawbots.filter((entry) => entry.command.name === command)

describe("docker-compose.yml", () => {
  it("runs Redis with its append-only file, Postgres, the migrations, two runtimes and two edges", () => {
    const redis = compose.services["redis"]
    expect(redis?.image).toMatch(/^redis:7/)
    expect(redis?.command?.join(" ")).toContain("--appendonly yes")
    expect(compose.services["postgres"]?.image).toMatch(/^postgres:/)
    expect(running("migrate").map((entry) => entry.name)).toEqual(["migrate"])
    expect(running("runtime")).toHaveLength(2)
    expect(running("edge")).toHaveLength(2)
  })

  it("runs commands the CLI has through the package's bin, with flags and environment it accepts", async () => {
    const usage = (await promisify(execFile)(process.execPath, [pkg.bin.clawbot, "--help"])).stdout
    const commands = usage
      .split("\noptions")[0]!
      .split("\n")
      .flatMap((line) => /^ {2}([a-z]+) /.exec(line)?.[1] ?? [])
    expect(commands).toEqual(expect.arrayContaining(["runtime", "edge", "migrate"]))
    for (const { name, service, command } of clawbots) {
      expect({ name, bin: command.bin, known: commands.includes(command.name) }).toEqual({ name, bin: pkg.bin.clawbot, known: true })
      expect({ name, unknownFlags: Object.keys(command.flags).filter((flag) => !(flag in CONFIG_FLAGS)) }).toEqual({
        name,
        unknownFlags: [],
      })
      const environment = service.environment ?? {}
      expect({ name, unknownVariables: Object.keys(environment).filter((variable) => !CONFIG_ENV.includes(variable)) }).toEqual({
        name,
        unknownVariables: [],
      })
      expect(() => loadConfig(command.flags, environment)).not.toThrow()
    }
  })

  it("points every process at the same Redis, Postgres and partitions, named as the services are", () => {
    const postgres = compose.services["postgres"]?.environment ?? {}
    const settings = clawbots.map(({ service }) => {
      const env = service.environment ?? {}
      return {
        redis: env["REDIS_URL"],
        database: env["DATABASE_URL"],
        partitions: env["CLAWBOT_PARTITIONS"],
        prefix: env["CLAWBOT_PREFIX"],
      }
    })
    expect(new Set(settings.map((setting) => JSON.stringify(setting))).size).toBe(1)
    const redis = new URL(settings[0]!.redis!)
    expect({ host: redis.hostname, port: redis.port }).toEqual({ host: "redis", port: "6379" })
    const database = new URL(settings[0]!.database!)
    expect({ host: database.hostname, password: database.password, name: database.pathname.slice(1) }).toEqual({
      host: "postgres",
      password: postgres["POSTGRES_PASSWORD"],
      name: postgres["POSTGRES_DB"],
    })
    for (const [name, service] of services) {
      expect({ name, missing: Object.keys(service.depends_on ?? {}).filter((other) => !(other in compose.services)) }).toEqual({
        name,
        missing: [],
      })
      const named = (service.volumes ?? []).map((volume) => volume.split(":")[0]!).filter((source) => !source.startsWith("."))
      expect({ name, missing: named.filter((volume) => !(volume in (compose.volumes ?? {}))) }).toEqual({ name, missing: [] })
    }
  })

  it("publishes each edge on a host port of its own, listening on every interface at the port it maps", () => {
    const published = running("edge").map(({ name, service, command }) => {
      const [host, container] = (service.ports?.[0] ?? "").split(":")
      const config = loadConfig(command.flags, service.environment ?? {})
      expect({ name, host: config.host, port: String(config.port) }).toEqual({ name, host: "0.0.0.0", port: container })
      return host
    })
    expect(new Set(published).size).toBe(2)
  })
})
