// The import direction of ARCHITECTURE.md ("Which way imports run"), checked over every source
// file: `npm run lint` runs it and fails naming each import that breaks a rule.
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"

export interface Rule {
  /** The folder whose files the rule constrains, relative to the repository (posix). */
  readonly from: string
  /** What its files may import of ours, or must not: folders end with "/", files are exact. */
  readonly only?: ReadonlyArray<string>
  readonly never?: ReadonlyArray<string>
  readonly why: string
}

/**
 * The runtime's public surface for the edge: `append`, the actor-kind interface and the machine descriptions,
 * how a stored snapshot is brought up to its machine's version and read back from its stored form (to show it as
 * the runtime would restore it),
 * the merge patches its events carry (to rebuild a view from them), the histogram type of its statistics, the
 * event-loop watch both keep, its readiness type and tuning.
 */
const RUNTIME_PUBLIC = [
  "src/runtime/append.ts",
  "src/runtime/actor-kind.ts",
  "src/runtime/snapshot-version.ts",
  "src/runtime/stored-snapshot.ts",
  "src/runtime/describe-machine.ts",
  "src/runtime/merge-patch.ts",
  "src/runtime/histogram.ts",
  "src/runtime/event-loop-stalls.ts",
  "src/runtime/runtime.ts",
]

export const RULES: ReadonlyArray<Rule> = [
  { from: "machines/", only: ["machines/"], why: "machines/ imports nothing of ours" },
  {
    from: "actors/",
    only: ["actors/", "machines/", "src/runtime/actor-kind.ts"],
    why: "actors/ imports machines/ and the runtime's actor-kind interface only",
  },
  {
    from: "src/runtime/",
    never: ["actors/", "machines/", "src/edge/", "src/commands/"],
    why: "the runtime never imports actors/ or machines/ (nor the edge)",
  },
  {
    from: "src/edge/",
    never: ["src/commands/"],
    why: "the edge talks to the runtime through append and the event stream, not through the commands that compose them",
  },
  { from: "src/schema/", only: ["src/schema/"], why: "src/schema/ imports nothing above it" },
  { from: "src/store/", only: ["src/store/", "src/schema/", "src/log.ts"], why: "src/store/ imports nothing above it" },
  { from: "src/redis/", only: ["src/redis/", "src/schema/", "src/log.ts"], why: "src/redis/ imports nothing above it" },
]

const SPECIFIER = /\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s+["']([^"']+)["']/gm

/** The repository-relative targets of a file's relative imports. */
export const importsOf = (file: string, text: string): string[] =>
  [...text.matchAll(SPECIFIER)]
    .map((match) => match[1] ?? match[2] ?? match[3] ?? "")
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => join(dirname(file), specifier).split(sep).join("/"))

const covers = (entry: string, target: string) => (entry.endsWith("/") ? target.startsWith(entry) : target === entry)

/** Each import of `file` (repository-relative) to `target` that breaks a rule, as a message. */
export const violations = (file: string, targets: ReadonlyArray<string>): string[] => {
  const broken: string[] = []
  for (const rule of RULES) {
    if (!file.startsWith(rule.from)) continue
    for (const target of targets) {
      const internal = rule.from === "src/edge/" && target.startsWith("src/runtime/") && !RUNTIME_PUBLIC.includes(target)
      const refused =
        (rule.only !== undefined && !rule.only.some((entry) => covers(entry, target))) ||
        (rule.never?.some((entry) => covers(entry, target)) ?? false) ||
        internal
      if (refused) broken.push(`${file} imports ${target}: ${internal ? "the runtime's internals are not the edge's" : rule.why}`)
    }
  }
  return broken
}

const sources = (root: string, folder: string): string[] =>
  readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = `${folder}/${entry.name}`
    if (entry.isDirectory()) return sources(root, path)
    return entry.name.endsWith(".ts") ? [path] : []
  })

/** Every violation in the repository at `root`. */
export const checkRepository = (root: string): string[] =>
  ["machines", "actors", "src"]
    .flatMap((folder) => sources(root, folder))
    .flatMap((file) => violations(file, importsOf(file, readFileSync(join(root, file), "utf8"))))

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = relative(process.cwd(), fileURLToPath(new URL("..", import.meta.url))) || "."
  const broken = checkRepository(root)
  for (const line of broken) process.stderr.write(`${line}\n`)
  process.stdout.write(`import direction: ${broken.length === 0 ? "ok" : `${broken.length} import(s) break ARCHITECTURE.md`}\n`)
  process.exitCode = broken.length === 0 ? 0 : 1
}
