// Shapes shared by the embedded servers that `clawbot start` runs when no external Redis/Postgres is configured.

export interface EmbeddedServerOptions {
  /** Directory owned by this server (created if missing); its data survives restarts. */
  readonly dataDir: string
  /** TCP port on 127.0.0.1; a free one is chosen when omitted. */
  readonly port?: number
  /** Server settings beyond the defaults (Postgres: `-c name=value`), e.g. the bench's pg_stat_statements. */
  readonly settings?: Readonly<Record<string, string>>
}

export interface EmbeddedServer {
  /** Connection URL for clients (redis://… or postgres://…). */
  readonly url: string
  /** Stops the server and waits until its process has exited; safe to call more than once. */
  stop(): Promise<void>
}
