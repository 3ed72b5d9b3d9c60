import type { Socket } from 'node:net';
import { FramingError, Mode, PreambleDecoder, type ParsedVia } from '@portshare/framing';
import { stopReading } from './socket-reading.js';

export interface SniffOptions {
  maxViaBytes: number;
  maxContentTypeBytes: number;
  /** receiveTimeout: one timer for the whole read (wcf-port-sharing notes §2.3 step 5). */
  timeoutMs: number;
}

export type SniffResult =
  | { ok: true; mode: Mode; via: string; parsedVia: ParsedVia; bytes: Buffer }
  | { ok: false; reason: 'timeout' | 'eof' | 'closed-before-data' | 'malformed' | 'unsupported-mode'; error?: Error };

/**
 * Reads a new connection's preamble just far enough to route it, as SMSvcHost's
 * ListenerConnectionModeReader and DupHandleConnectionReader do (wcf-port-sharing notes §2.3):
 * through the Via for singleton mode 1, through the encoding record for duplex mode 2. Modes 3 and 4
 * are valid framing but not shareable: abort without a fault, as SMSvcHost does.
 *
 * Every byte read is kept, from byte 0, including bytes past the point we needed (clients send the
 * whole preamble in one write): the worker gets all of them. Reading stops at once when enough is
 * known, so no byte is left behind in a stream buffer we would then close.
 */
export function sniffPreamble(socket: Socket, options: SniffOptions): Promise<SniffResult> {
  return new Promise((resolve) => {
    const decoder = new PreambleDecoder({
      maxViaBytes: options.maxViaBytes,
      maxContentTypeBytes: options.maxContentTypeBytes,
    });
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;

    const finish = (result: SniffResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onEnd);
      resolve(result);
    };

    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      try {
        decoder.decode(chunk);
      } catch (err) {
        finish({ ok: false, reason: 'malformed', error: err as Error });
        return;
      }
      const mode = decoder.mode;
      if (mode !== undefined && mode !== Mode.Duplex && mode !== Mode.SingletonUnsized) {
        finish({
          ok: false,
          reason: 'unsupported-mode',
          error: new FramingError('NMF_ERR_UNSUPPORTED_MODE', `Framing mode ${mode} is not supported.`),
        });
        return;
      }
      const enough =
        (mode === Mode.SingletonUnsized && decoder.viaKnown) || (mode === Mode.Duplex && decoder.encodingKnown);
      if (!enough) return;
      stopReading(socket, chunks);
      finish({
        ok: true,
        mode,
        via: decoder.via!,
        parsedVia: decoder.parsedVia!,
        bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
      });
    };
    const onEnd = (): void => finish({ ok: false, reason: total === 0 ? 'closed-before-data' : 'eof' });
    const onError = (err: Error): void => finish({ ok: false, reason: 'eof', error: err });
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), options.timeoutMs);
    timer.unref();

    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.on('error', onError);
  });
}
