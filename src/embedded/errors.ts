// Typed errors of a start that cannot go on, each said to the user plainly (src/commands/failure.ts):
// a missing local prerequisite (what to install or set), and any other start-up failure (what failed,
// naming the server and its URL without password, and the fix).
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

export class StartupFailure extends Error {
  override readonly name = "StartupFailure"

  constructor(
    /** What failed, naming the server and where (a URL without its password). */
    readonly problem: string,
    /** What the user does about it. */
    readonly fix: string,
    options?: ErrorOptions,
  ) {
    super(`${problem}\nto fix: ${fix}`, options)
  }
}

/** A URL as it may be shown: without its password. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password === "") return url
    parsed.password = "***"
    return parsed.href
  } catch {
    return "(an unparsable URL)"
  }
}
