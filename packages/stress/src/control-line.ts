/**
 * A raw connection to the daemon's control socket: send any bytes, read the JSON lines that come
 * back, notice when the daemon closes. For sending what the ControlClient never would.
 *
 * @module
 */

import { connect, type Socket } from 'node:net';

export interface ControlAnswer {
  id?: number;
  ok?: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export class ControlLine {
  readonly socket: Socket;
  readonly answers: ControlAnswer[] = [];
  closed = false;
  #partial = '';
  readonly #waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      const parts = (this.#partial + chunk.toString('utf8')).split('\n');
      this.#partial = parts.pop() ?? '';
      for (const line of parts) {
        if (line === '') continue;
        try {
          this.answers.push(JSON.parse(line) as ControlAnswer);
        } catch {
          this.answers.push({ error: { code: 'UNPARSEABLE', message: line } });
        }
      }
      this.#wake();
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  static open(path: string): Promise<ControlLine> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => resolve(new ControlLine(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Sends one request object as a line. */
  request(message: Record<string, unknown>): void {
    this.send(`${JSON.stringify(message)}\n`);
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /** Waits for an answer with this id (or, with id undefined, any new answer), or the close. */
  next(id: number | undefined, timeoutMs = 5000): Promise<ControlAnswer | 'closed' | 'timeout'> {
    const from = id === undefined ? this.answers.length : 0;
    return new Promise((resolve) => {
      const check = (): void => {
        const found = this.answers.slice(from).find((a) => id === undefined || a.id === id);
        if (found !== undefined) finish(found);
        else if (this.closed) finish('closed');
      };
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      const finish = (value: ControlAnswer | 'closed' | 'timeout'): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(value);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Resolves true once the daemon closed the connection, false after `timeoutMs`. */
  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
