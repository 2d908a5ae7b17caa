// A process that exits through `exitFlushed` (every clean shutdown does) leaves none of its output behind when its
// stdout is a pipe read slowly: a pipe's writes are asynchronous on POSIX, and a bare `process.exit` drops what is still
// queued, as a supervisor or a test reading a runtime's last log line ("runtime stopped") saw under load.
import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const SHUTDOWN = fileURLToPath(new URL("../../../dist/src/commands/shutdown.js", import.meta.url))

/** The output of a child that writes 4 MB then its last line and exits (`exit`: how), read only after 300 ms. */
const lastLine = async (exit: string): Promise<string> => {
  const script = `
    const { exitFlushed } = await import(${JSON.stringify(SHUTDOWN)})
    process.stdout.write("x".repeat(4 * 1024 * 1024) + "\\n")
    process.stdout.write("the last line\\n")
    ${exit}`
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] })
  const [exited, closed] = [once(child, "exit"), once(child, "close")]
  child.stdout.pause()
  await new Promise((resolve) => setTimeout(resolve, 300))
  const chunks: Buffer[] = []
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk))
  child.stdout.resume()
  // Dropped output never ends its pipe: what arrived within 5 s of the exit, then.
  await exited
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))])
  return Buffer.concat(chunks).toString().trimEnd().split("\n").at(-1) ?? ""
}

describe("exitFlushed", () => {
  it("exits once a slow reader has had every line", async () => {
    expect(await lastLine("await exitFlushed(0)")).toBe("the last line")
  })

  it("where a bare process.exit drops what is still queued", async () => {
    expect(await lastLine("process.exit(0)")).not.toBe("the last line")
  })
})
