// A bounded memory of ids already seen (event ids for deduplication): the newest `capacity` ids,
// the oldest forgotten first, so a long-running subscriber's memory does not grow with time.

export class SeenIds {
  private readonly ids = new Set<string>()

  constructor(private readonly capacity = 10_000) {}

  /** True when `id` was seen before; remembers it otherwise. */
  check(id: string): boolean {
    if (this.ids.has(id)) return true
    this.ids.add(id)
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value
      if (oldest !== undefined) this.ids.delete(oldest)
    }
    return false
  }
}
