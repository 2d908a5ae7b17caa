// How long ago an ISO time was, in the largest unit that fits ("3 m", "2 h").
export const age = (iso: unknown, now = Date.now()): string => {
  if (typeof iso !== "string") return "–"
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (seconds < 60) return `${seconds} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} m`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`
  return `${Math.floor(seconds / 86_400)} d`
}
