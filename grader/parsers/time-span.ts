/**
 * Tracks the first and last timestamp of a capture to get its duration. Wall-clock columns
 * (`HH:MM:SS`) may cross midnight, so each value is unwrapped against the previous one.
 */
export class TimeSpan {
  private min = Infinity;
  private max = -Infinity;
  private prevClock = NaN;
  private dayOffset = 0;
  /** true once a whole-second clock value was seen: durations then have a 1 s floor */
  private coarse = false;

  /** Seconds since start, e.g. execsnoop `TIME(s)`. */
  addRelative(sec: number): void {
    if (!Number.isFinite(sec)) return;
    if (sec < this.min) this.min = sec;
    if (sec > this.max) this.max = sec;
  }

  /** Seconds since midnight from a wall clock; `wholeSeconds` for `HH:MM:SS` without a fraction. */
  addClock(sec: number, wholeSeconds: boolean): void {
    if (!Number.isFinite(sec)) return;
    if (wholeSeconds) this.coarse = true;
    // a jump back of more than 12 h is midnight, not disorder
    if (!Number.isNaN(this.prevClock) && sec + this.dayOffset < this.prevClock - 43_200) this.dayOffset += 86_400;
    const v = sec + this.dayOffset;
    this.prevClock = v;
    this.addRelative(v);
  }

  get seen(): boolean {
    return this.max >= this.min;
  }

  /**
   * last - first, which is unbiased for events spread over the capture. With whole-second clocks all
   * events in one second still span "about a second", hence the 1 s floor.
   */
  durationSec(): number | undefined {
    if (!this.seen) return undefined;
    const d = this.max - this.min;
    if (this.coarse) return Math.max(d, 1);
    return d > 0 ? d : undefined;
  }
}
