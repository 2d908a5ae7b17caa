// Configuration for every process: environment variables (PROTOCOL.md "Configuration"),
// overridden by command-line flags of the same meaning, decoded with Schema.
import { Schema, SchemaTransformation } from "effect"

const Port = Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 65535 }))
const Partitions = Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 4096 }))
const Prefix = Schema.String.check(
  Schema.isPattern(/^[a-z][a-z0-9_]{0,30}$/, {
    message: "expected lowercase letters, digits and _ (a Postgres schema name), starting with a letter",
  }),
)
const LogLevel = Schema.Literals(["debug", "info", "warn", "error"])
const Flag = Schema.Literals(["true", "false"]).pipe(
  Schema.decodeTo(
    Schema.Boolean,
    SchemaTransformation.transform({ decode: (text) => text === "true", encode: (flag) => (flag ? "true" : "false") }),
  ),
)
const PositiveInt = Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1_000_000 }))

const ConfigSchema = Schema.Struct({
  redisUrl: Schema.optional(Schema.String),
  redisCluster: Flag,
  databaseUrl: Schema.optional(Schema.String),
  port: Port,
  host: Schema.String,
  operatorToken: Schema.optional(Schema.String),
  prefix: Prefix,
  partitions: Partitions,
  logLevel: LogLevel,
  dataDir: Schema.String,
  leaseTtlMs: Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 200, maximum: 600_000 })),
  publicReads: Flag,
  rateLimit: PositiveInt,
  maxConnectionsPerAddress: PositiveInt,
  frontDoor: Flag,
  eventRetention: Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 100, maximum: 100_000_000 })),
  dedupeWindowS: Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 10, maximum: 86_400 })),
  orphanAfterS: Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 31_536_000 })),
  breakerCooldownMs: Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 100, maximum: 86_400_000 })),
})

export type Config = typeof ConfigSchema.Type

/** Each setting: its flag, its environment variable and its default. */
const SETTINGS = {
  redisUrl: { flag: "redis-url", env: "REDIS_URL" },
  redisCluster: { flag: "redis-cluster", env: "CLAWBOT_REDIS_CLUSTER", default: "false" },
  databaseUrl: { flag: "database-url", env: "DATABASE_URL" },
  port: { flag: "port", env: "PORT", default: "8080" },
  host: { flag: "host", env: "HOST", default: "127.0.0.1" },
  operatorToken: { flag: "operator-token", env: "CLAWBOT_OPERATOR_TOKEN" },
  prefix: { flag: "prefix", env: "CLAWBOT_PREFIX", default: "cb" },
  partitions: { flag: "partitions", env: "CLAWBOT_PARTITIONS", default: "16" },
  logLevel: { flag: "log-level", env: "LOG_LEVEL", default: "info" },
  dataDir: { flag: "data-dir", env: "CLAWBOT_DATA_DIR", default: ".clawbot" },
  leaseTtlMs: { flag: "lease-ttl-ms", env: "CLAWBOT_LEASE_TTL_MS", default: "5000" },
  publicReads: { flag: "public-reads", env: "CLAWBOT_PUBLIC_READS", default: "false" },
  rateLimit: { flag: "rate-limit", env: "CLAWBOT_RATE_LIMIT", default: "200" },
  maxConnectionsPerAddress: { flag: "max-connections-per-address", env: "CLAWBOT_MAX_CONNECTIONS_PER_ADDRESS", default: "1024" },
  frontDoor: { flag: "front-door", env: "CLAWBOT_FRONT_DOOR", default: "true" },
  eventRetention: { flag: "event-retention", env: "CLAWBOT_EVENT_RETENTION", default: "100000" },
  dedupeWindowS: { flag: "dedupe-window-s", env: "CLAWBOT_DEDUPE_WINDOW_S", default: "120" },
  orphanAfterS: { flag: "orphan-after-s", env: "CLAWBOT_ORPHAN_AFTER_S", default: "600" },
  breakerCooldownMs: { flag: "breaker-cooldown-ms", env: "CLAWBOT_BREAKER_COOLDOWN_MS", default: "30000" },
} as const satisfies Record<keyof Config, { flag: string; env: string; default?: string }>

/** The environment variables the configuration reads. */
export const CONFIG_ENV: ReadonlyArray<string> = Object.values(SETTINGS).map((setting) => setting.env)

/** The flags `parseArgs` should accept, all taking a value. */
export const CONFIG_FLAGS = Object.fromEntries(Object.values(SETTINGS).map((setting) => [setting.flag, { type: "string" as const }]))

export class ConfigError extends Error {
  override readonly name = "ConfigError"
}

export const loadConfig = (flags: Readonly<Record<string, string | boolean | undefined>>, env: NodeJS.ProcessEnv = process.env): Config => {
  const raw: Record<string, string> = {}
  const source: Record<string, string> = {}
  for (const [key, setting] of Object.entries(SETTINGS)) {
    const flag = flags[setting.flag]
    const value = typeof flag === "string" ? flag : env[setting.env] || ("default" in setting ? setting.default : undefined)
    if (value === undefined) continue
    raw[key] = value
    source[key] = typeof flag === "string" ? `--${setting.flag}` : env[setting.env] ? setting.env : `default of ${setting.env}`
  }
  const result = Schema.decodeUnknownResult(ConfigSchema)(raw)
  if (result._tag === "Success") return result.success
  const message = result.failure.message
  const key = Object.keys(SETTINGS).find((name) => message.includes(`["${name}"]`))
  const where = key ? `${source[key]}=${JSON.stringify(raw[key])}` : "configuration"
  throw new ConfigError(`${where}: ${message.split("\n")[0]}`)
}
