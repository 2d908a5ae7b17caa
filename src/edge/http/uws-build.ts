// Which uWebSockets.js build loaded: the native binary, or the slower pure-JS `ws` fallback the
// package switches to when UWS_USE_FALLBACK is set or no binary fits this platform and Node ABI.
import uWS from "uWebSockets.js"

export type UwsBuild = "native" | "fallback"

export const uwsBuild = (): UwsBuild => (Function.prototype.toString.call(uWS.App).includes("[native code]") ? "native" : "fallback")

/** The fallback is allowed when asked for explicitly (UWS_USE_FALLBACK set), never by accident. */
export const fallbackRequested = (env: NodeJS.ProcessEnv = process.env): boolean =>
  ["1", "true", "True", "TRUE"].includes(env.UWS_USE_FALLBACK ?? "")

export const FALLBACK_REFUSED =
  `uWebSockets.js has no native binary for ${process.platform}-${process.arch} with Node ABI ${process.versions.modules}; ` +
  "use a supported Node version, or set UWS_USE_FALLBACK=1 to run on the slower ws fallback"
