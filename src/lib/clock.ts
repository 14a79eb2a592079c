// The one clock of the code base. Every layer that needs time takes a Clock, so tests and simulations run
// on virtual time and production on the system's. Milliseconds since the epoch, like Date.now().

export interface Clock {
  /** Milliseconds since the epoch (virtual in simulations and tests). */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: tests, simulations and replays. */
export class ManualClock implements Clock {
  #ms: number;

  constructor(startMs = 0) {
    this.#ms = startMs;
  }

  now(): number {
    return this.#ms;
  }

  /** Moves time forward; refuses to go back, since nothing downstream expects time to reverse. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ${ms} is not a non-negative duration`);
    this.#ms += ms;
  }

  set(ms: number): void {
    if (ms < this.#ms) throw new RangeError(`ManualClock.set: ${ms} is before now (${this.#ms})`);
    this.#ms = ms;
  }
}

/** ISO-8601 text of a clock's now, for audit entries and API responses. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
