// The source of a Lua script as Redis runs it: scripts/<name>.lua with each `-- @include <part>` line
// replaced by scripts/<part>.lua (a shared function, as BullMQ's includes; one level, no cycles). The
// SHA1 the script is called by (script-call.ts) is that of this expanded source.
import { readFileSync } from "node:fs"

const INCLUDE = /^-- @include ([a-z0-9-]+)$/gmu

const read = (name: string): string => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), "utf8")

/** scripts/<name>.lua with its includes put in. */
export const scriptSource = (name: string): string => read(name).replace(INCLUDE, (_, part: string) => read(part).trimEnd())
