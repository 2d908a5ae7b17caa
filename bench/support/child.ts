// A helper process of the bench (the BullMQ workers, the Postgres proxy): forked with the same
// TypeScript loader, given its settings as one JSON argument, talking over the IPC channel. It
// sends `{type: "ready"}` once set up and `{type: "progress", ...}` on its own, and answers each
// `{type: X}` request with one X.
import { fork, type ChildProcess } from "node:child_process"

export interface Helper<P> {
  readonly pid: number
  /** The helper's latest progress message (undefined before the first). */
  latest(): P | undefined
  /** Sends `{type}` and resolves with the helper's answer of the same type. */
  request<T>(type: string, payload?: unknown): Promise<T>
  /** The first error the helper reported, or its unexpected exit. */
  failure(): string | undefined
  stop(): Promise<void>
}

interface Message {
  readonly type: string
  readonly [key: string]: unknown
}

export const startHelper = async <P>(module: URL, settings: unknown): Promise<Helper<P>> => {
  const child: ChildProcess = fork(module, [JSON.stringify(settings)], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  let latest: P | undefined
  let failure: string | undefined
  let stopping = false
  const waiting = new Map<string, (message: Message) => void>()
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.once("exit", (code, signal) => {
    if (!stopping) failure ??= `helper ${module.pathname} exited (${signal ?? `code ${code}`})`
    for (const settle of waiting.values()) settle({ type: "exit" })
  })
  child.on("message", (message: Message) => {
    if (message.type === "progress") latest = message as unknown as P
    else if (message.type === "error") failure ??= String(message["message"])
    const settle = waiting.get(message.type)
    waiting.delete(message.type)
    settle?.(message)
  })
  const ready = new Promise<Message>((resolve) => waiting.set("ready", resolve))
  const helper: Helper<P> = {
    pid: child.pid ?? 0,
    latest: () => latest,
    failure: () => failure,
    request: <T>(type: string, payload?: unknown) =>
      new Promise<T>((resolve, reject) => {
        waiting.set(type, (message) =>
          message.type === "exit" ? reject(new Error(failure ?? "helper exited")) : resolve(message as unknown as T),
        )
        child.send({ type, payload })
      }),
    stop: async () => {
      stopping = true
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      await exited
    },
  }
  if ((await ready).type === "exit") throw new Error(failure ?? "helper exited before it was ready")
  return helper
}

/** The helper side: its settings, and a way to answer requests and report progress. */
export const helperSide = <S>() => {
  const settings = JSON.parse(process.argv[2] ?? "{}") as S
  const send = (message: Message) => process.send?.(message)
  return {
    settings,
    send,
    /** Answers requests of `type` with what `answer` returns (merged into `{type}`). */
    on(type: string, answer: (payload: unknown) => Promise<object> | object) {
      process.on("message", (message: Message) => {
        if (message.type !== type) return
        Promise.resolve(answer(message["payload"])).then(
          (reply) => send({ ...reply, type }),
          (error: unknown) => send({ type: "error", message: String(error) }),
        )
      })
    },
    ready: () => send({ type: "ready" }),
    fail: (error: unknown) => send({ type: "error", message: error instanceof Error ? error.message : String(error) }),
  }
}
