/**
 * Busy answers (503 when the password workers' queue is full) come in floods by design: each is
 * load shed on purpose, not a fault, and a warning with a stack trace apiece would let the flood
 * fill the log too. The first of a burst is logged at once; the rest are counted and logged as
 * one line per window while they last.
 */

/** How long busy answers are counted before their count is logged, by default. Milliseconds. */
export const DEFAULT_BUSY_LOG_WINDOW_MS = 10_000;

export class BusyLog {
  private counted = 0;
  private window: NodeJS.Timeout | null = null;

  constructor(
    /** Writes one line: how many busy answers it stands for, and over how many seconds. */
    private readonly write: (busyAnswers: number, windowSeconds: number) => void,
    private readonly windowMs = DEFAULT_BUSY_LOG_WINDOW_MS,
  ) {}

  /** One more busy answer. With a window of 0 each is written at once, and no timer is set. */
  record(): void {
    if (this.windowMs === 0) {
      this.write(1, 0);
      return;
    }
    if (this.window) {
      this.counted += 1;
      return;
    }
    this.write(1, 0);
    this.openWindow();
  }

  private openWindow(): void {
    // Unref'd: a pending count never keeps a stopping process alive.
    this.window = setTimeout(() => this.closeWindow(), this.windowMs).unref();
  }

  private closeWindow(): void {
    this.window = null;
    if (this.counted === 0) return;
    this.write(this.counted, this.windowMs / 1000);
    this.counted = 0;
    this.openWindow();
  }
}
