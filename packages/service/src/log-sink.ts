import { closeSync, fstatSync, ftruncateSync, writeSync } from 'node:fs';

/** Where a sink counts the lines it could not write (the status reply's counters). */
export interface LogSinkCounters {
  logWriteFailures: number;
}

/**
 * The log's destination: each line goes to the file with one synchronous write(2), so the last
 * lines before a crash are on disk, and a line that cannot be written is dropped and counted.
 * Nothing here throws and nothing is queued.
 *
 * pino's own file destination, SonicBoom, is not used for two reasons found in its source
 * (sonic-boom 4, index.js `release`): a failed write other than EAGAIN/EBUSY is emitted as an
 * 'error' event, which with no listener throws out of the logging call and, from the connection
 * path, kills the daemon (a full disk: ENOSPC); and with a listener, the unwritten bytes stay in
 * its buffer and every later line queues behind them in memory, without bound unless maxLength
 * is set, and then lines are dropped with no count of what was lost. A daemon on the front door
 * must neither die nor grow because its disk is full (docs/reliability.md).
 *
 * Write failures are counted per line (`logWriteFailures`); when a write succeeds again (space
 * returned), a warning line saying how many lines were lost, since when and why is written first.
 * A line is written whole or not at all: when the disk fills in the middle of one (write(2)
 * returns short, then ENOSPC), the part written is cut off again (ftruncate(2); the file is only
 * appended to), so a reader never meets half a JSON object. Should that fail too, the next line
 * written starts on a new line instead. EAGAIN (a non-blocking stderr pipe that is full) is
 * treated the same way: the daemon never waits on its log.
 */
export class LogSink {
  #fd: number;
  readonly #owned: boolean;
  #counters: LogSinkCounters = { logWriteFailures: 0 };
  #lost = 0;
  #lostSince = 0;
  #lostReason = '';
  #torn = false;

  /** `owned`: the sink closes the descriptor on close() (a file it opened; not stderr). */
  constructor(fd: number, options: { owned: boolean }) {
    this.#fd = fd;
    this.#owned = options.owned;
  }

  /** Count into these counters from now on (the failures counted so far are carried over). */
  useCounters(counters: LogSinkCounters): void {
    if (counters === this.#counters) return;
    counters.logWriteFailures += this.#counters.logWriteFailures;
    this.#counters = counters;
  }

  /** Lines lost so far. */
  get writeFailures(): number {
    return this.#counters.logWriteFailures;
  }

  /** pino's destination interface: one serialised line (with its newline). Always returns true. */
  write(line: string): boolean {
    if (this.#fd < 0) return true;
    let text = line;
    if (this.#lost > 0 || this.#torn) text = this.#recoveryNotice() + text;
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(this.#fd, buf, off, buf.length - off);
      this.#lost = 0;
      this.#torn = false;
    } catch (err) {
      if (off > 0) this.#torn = !this.#cutBack(off);
      if (this.#lost === 0) {
        this.#lostSince = Date.now();
        this.#lostReason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
      this.#lost++;
      this.#counters.logWriteFailures++;
    }
    return true;
  }

  /** Whether the sink writes to a file it owns (not stderr), which can be reopened after rotation. */
  get reopenable(): boolean {
    return this.#owned && this.#fd >= 0;
  }

  /**
   * Writes to `fd` from now on and closes the descriptor written so far: the file was reopened
   * after logrotate renamed it (SIGUSR1). Writes are synchronous, so no line is split between the
   * two files.
   */
  replaceDescriptor(fd: number): void {
    const old = this.#fd;
    this.#fd = fd;
    if (old >= 0 && old !== fd && this.#owned) {
      try {
        closeSync(old);
      } catch {
        /* already closed */
      }
    }
  }

  /** pino.flush(): writes are synchronous, nothing is pending. */
  flush(cb?: (err?: Error) => void): void {
    cb?.();
  }

  flushSync(): void {}

  end(): void {
    this.close();
  }

  close(): void {
    if (this.#fd >= 0 && this.#owned) {
      try {
        closeSync(this.#fd);
      } catch {
        /* already closed */
      }
    }
    this.#fd = -1;
  }

  /** Removes the last `bytes` bytes appended (a partly written line); false if it cannot. */
  #cutBack(bytes: number): boolean {
    try {
      const { size } = fstatSync(this.#fd);
      if (!(size >= bytes)) return false;
      ftruncateSync(this.#fd, size - bytes);
      return true;
    } catch {
      return false; // not a regular file (stderr, a pipe): end the fragment with a newline later
    }
  }

  #recoveryNotice(): string {
    const head = this.#torn ? '\n' : '';
    if (this.#lost === 0) return head;
    const since = new Date(this.#lostSince).toISOString();
    const notice = {
      level: 40,
      time: Date.now(),
      pid: process.pid,
      lostLines: this.#lost,
      error: this.#lostReason,
      since,
      msg: `${this.#lost} log line${this.#lost === 1 ? ' was' : 's were'} lost since ${since}: the log could not be written (${this.#lostReason})`,
    };
    return `${head}${JSON.stringify(notice)}\n`;
  }
}
