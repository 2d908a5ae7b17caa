// The viewer or operator token, asked for once and kept in this browser (localStorage); every API
// call and the event socket carry it. A 401 forgets it, so the page asks again.
const KEY = "clawbot.token"

export const readToken = (): string | null => localStorage.getItem(KEY)
export const saveToken = (token: string): void => localStorage.setItem(KEY, token.trim())
export const forgetToken = (): void => localStorage.removeItem(KEY)
