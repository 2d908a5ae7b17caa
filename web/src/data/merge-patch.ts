// RFC 7396 merge patches, as every event and history entry carries them: the runtime's own
// implementation (src/runtime/merge-patch.ts), re-exported for the dashboard's bundle.
export { applyPatch } from "../../../src/runtime/merge-patch.ts"
