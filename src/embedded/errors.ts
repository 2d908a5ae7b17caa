// Typed error for a local prerequisite of the embedded infrastructure that is absent; its message says what to install or set.
export class MissingDependency extends Error {
  override readonly name = "MissingDependency"

  constructor(
    /** What is missing, e.g. "redis-server" or "postgres OS user". */
    readonly dependency: string,
    message: string,
  ) {
    super(message)
  }
}
