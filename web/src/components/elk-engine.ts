// The ELK engine, imported only by layout.ts's dynamic import so it becomes its own chunk. Importing the
// CommonJS bundle here (not in layout.ts) keeps its interop helpers inside that chunk: the chunk then
// imports nothing from the entry chunk, so its hashed name changes only when elkjs does.
import ELK from "elkjs/lib/elk.bundled.js"

export const createEngine = () => new ELK()
