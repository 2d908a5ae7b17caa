// BENCH_PG_SETTINGS: the settings a bench run gives its own Postgres, read from `name=value` pairs.
import { describe, expect, it } from "vitest"
import { postgresSettings } from "../../../bench/support/servers.ts"

describe("postgresSettings", () => {
  it("reads name=value pairs separated by commas, spaces around them dropped", () => {
    expect(postgresSettings("checkpoint_timeout=30s, wal_compression = lz4")).toEqual({ checkpoint_timeout: "30s", wal_compression: "lz4" })
  })

  it("gives no settings for an unset or empty variable", () => {
    expect(postgresSettings(undefined)).toEqual({})
    expect(postgresSettings(" , ")).toEqual({})
  })

  it("refuses a pair without a name or a value, naming it", () => {
    expect(() => postgresSettings("wal_compression")).toThrow('BENCH_PG_SETTINGS: "wal_compression" is not name=value')
    expect(() => postgresSettings("=lz4")).toThrow('BENCH_PG_SETTINGS: "=lz4" is not name=value')
    expect(() => postgresSettings("fsync=")).toThrow('BENCH_PG_SETTINGS: "fsync=" is not name=value')
  })
})
