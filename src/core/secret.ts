import { inspect } from 'node:util'

/** A value that never prints: logs, errors, JSON and `akko config` all show `***`. */
export class Secret {
  readonly #value: string
  constructor(value: string) {
    this.#value = value
  }
  /** The real value; call only where the secret is used (a connection, a signature). */
  reveal(): string {
    return this.#value
  }
  toString(): string {
    return '***'
  }
  toJSON(): string {
    return '***'
  }
  [inspect.custom](): string {
    return '***'
  }
}
