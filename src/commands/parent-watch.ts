// `clawbot start` stops with its parent: `npm start` and `npx clawbot start` run it under npm (and a shell),
// which may die or be sent SIGTERM (docker stop, a supervisor) without passing the signal on, and a closed
// terminal sends SIGHUP. Each becomes a SIGTERM to this process, so its one shutdown path runs and the
// servers it started stop with it.
const POLL_MS = 500

export const stopWithParent = (): void => {
  const terminate = () => void process.kill(process.pid, "SIGTERM")
  process.once("SIGHUP", terminate)
  const parent = process.ppid
  // Already orphaned (started by init, a container's entry point): there is no parent to outlive.
  if (parent <= 1) return
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    terminate()
  }, POLL_MS)
  timer.unref()
}
