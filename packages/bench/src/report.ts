import type { BenchResults, ConfigSummary, WcfMeasure } from './results.js';

/**
 * The printed report: Markdown tables, so the same text reads in a terminal and pastes into
 * docs/benchmarks.md.
 */

const int = (n: number | null | undefined): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');
const dec = (n: number | null | undefined, digits = 2): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
const times = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(2)}×`);
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

function table(head: string[], align: ('l' | 'r')[], rows: string[][]): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const LABEL: Record<string, string> = {
  direct: 'direct',
  handoff: 'portshare fd hand-off',
  'handoff-tls': 'portshare fd hand-off, TLS',
  balanced: 'portshare fd hand-off, 2 balanced workers',
  proxy: 'portshare proxy mode',
  route: 'portshare static route',
  haproxy: 'HAProxy (TCP, req.payload ACL)',
  sslh: 'sslh-fork (regex probe)',
};

export function mainTable(summary: readonly ConfigSummary[], concurrency: { conn: number; rtt: number }): string {
  return table(
    [
      'configuration',
      `conn/s ×${concurrency.conn}`,
      'setup p50 / p99 µs',
      'RTT ×1 p50 / p99 µs',
      `msg/s ×${concurrency.rtt} (p50 / p99 µs)`,
      'bulk MB/s',
      'vs direct: conn · RTT p50 · msg/s · bulk',
      'intermediary CPU µs/conn',
      'conn errors',
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'],
    summary.map((s) => [
      LABEL[s.configuration] ?? s.configuration,
      int(s.connPerSec),
      `${int(s.setupP50Us)} / ${int(s.setupP99Us)}`,
      `${int(s.rtt1P50Us)} / ${int(s.rtt1P99Us)}`,
      `${int(s.rttNMsgPerSec)} (${int(s.rttNP50Us)} / ${int(s.rttNP99Us)})`,
      int(s.bulkMBPerSec),
      `${dec(s.ratios.connPerSec)} · ${times(s.ratios.rtt1P50)} · ${dec(s.ratios.rttNMsgPerSec)} · ${dec(s.ratios.bulkMBPerSec)}`,
      s.intermediaryCpuUsPerConn === null ? '–' : int(s.intermediaryCpuUsPerConn),
      `${s.connErrors} / ${int(s.connections + s.connErrors)}`,
    ]),
  );
}

export function spreadTable(summary: readonly ConfigSummary[]): string {
  const list = (xs: number[]): string => xs.map((x) => int(x)).join(', ');
  return table(
    ['configuration', 'conn/s per round', 'RTT ×1 p50 µs per round', 'msg/s per round', 'bulk MB/s per round'],
    ['l', 'l', 'l', 'l', 'l'],
    summary.map((s) => [s.configuration, list(s.perRound.connPerSec), list(s.perRound.rtt1P50Us), list(s.perRound.rttNMsgPerSec), list(s.perRound.bulkMBPerSec)]),
  );
}

export function formatReport(r: BenchResults): string {
  const o = r.options as {
    connConcurrency: number;
    rttConcurrency: number;
    rounds: number;
    bulkBytes: number;
    connDurationMs: number;
    rttDurationMs: number;
    daemonNodeArgs: string[];
  };
  const m = r.machine;
  const parts: string[] = [];
  parts.push(
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}, kernel ${m.kernel}, Node ${m.node}` +
      `${m.haproxy ? `, ${m.haproxy}` : ''}${m.sslh ? `, ${m.sslh}` : ''}. Load average ${dec(m.loadAverageStart)} at start, ${dec(m.loadAverageEnd)} at end; CPU steal ${dec(m.stealPercent, 1)} %.`,
  );
  parts.push(
    `Run: ${r.startedAt}${r.smoke ? ' (smoke: numbers only show that everything runs)' : ''}; ${o.rounds} interleaved round(s), medians over rounds; ` +
      `connection test ${o.connDurationMs / 1000} s, round-trip tests ${o.rttDurationMs / 1000} s, bulk ${(o.bulkBytes / 1024 ** 2).toFixed(0)} MiB per round` +
      `; daemons started with ${o.daemonNodeArgs.length > 0 ? `\`node ${o.daemonNodeArgs.join(' ')}\`` : "Node's default options"}. Ratios are paired: per round against direct's same round, median over rounds.`,
  );
  if (r.quietGates.length > 0) {
    const waited = r.quietGates.reduce((sum, g) => sum + g.waitedMs, 0);
    const busy = r.quietGates.filter((g) => !g.quiet).length;
    const samples = [
      ...r.rounds.flatMap((x) => [x.conn, x.rtt1, x.rttN, x.bulk]),
      ...(r.wcf.ran ? r.wcf.samples : []),
    ];
    const repeated = samples.filter((x) => x.attempts > 1).length;
    const worst = Math.max(0, ...samples.map((x) => x.foreignCores));
    parts.push(
      `Other work: ${r.quietGates.length - busy} of ${r.quietGates.length} test groups started with the machine otherwise idle ` +
        `(≤ ${((r.options as { quietBusyShare: number }).quietBusyShare * 100).toFixed(0)} % busy; ${Math.round(waited / 1000)} s spent waiting); ` +
        `${repeated} of ${samples.length} measurements were repeated because other processes ran during them; ` +
        `the most any kept measurement shared the machine with was ${worst.toFixed(2)} cores.`,
    );
  }
  const stalls = r.rounds.filter((x) => x.bulk.stalledAfterBytes !== undefined);
  if (stalls.length > 0) {
    parts.push(
      `Bulk stalls (no echoed byte for ${(r.options as { bulkStallTimeoutMs: number }).bulkStallTimeoutMs / 1000} s; counted as 0 MB/s): ` +
        stalls.map((x) => `${x.configuration} in round ${x.round}, after ${(x.bulk.stalledAfterBytes! / 1e6).toFixed(0)} MB`).join('; ') +
        '.',
    );
  }
  parts.push('### Connection setup, round trips and bulk\n\n' + mainTable(r.summary, { conn: o.connConcurrency, rtt: o.rttConcurrency }));
  parts.push('### Spread between rounds\n\n' + spreadTable(r.summary));
  if (r.idle.length > 0) {
    parts.push(
      '### Daemon memory (VmRSS)\n\n' +
        table(
          ['daemon', 'fresh MB', 'before MB', 'idle connections', 'with them MB', 'added MB', 'added KB per connection'],
          ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
          r.idle.map((i) => [
            LABEL[i.configuration]!,
            mb(i.freshRssBytes),
            mb(i.beforeRssBytes),
            int(i.connections),
            mb(i.withConnectionsRssBytes),
            mb(i.addedBytes),
            dec(i.addedBytes / 1000 / Math.max(1, i.connections), 2),
          ]),
        ),
    );
  }
  const routeRows = r.routes.lookups.map((l) => {
    const e = r.routes.e2e.find((x) => x.registrations === l.registrations);
    return [
      int(l.registrations),
      dec(l.hotNs, 0),
      dec(l.spreadNs, 0),
      e ? int(e.connPerSec) : '–',
      e ? `${int(e.setupP50Us)} / ${int(e.setupP99Us)}` : '–',
    ];
  });
  parts.push(
    '### Route lookups\n\n' +
      table(
        ['registrations', 'lookup ns (one busy service)', 'lookup ns (every service in turn)', `hand-off conn/s ×${o.connConcurrency}`, 'setup p50 / p99 µs'],
        ['r', 'r', 'r', 'r', 'r'],
        routeRows,
      ),
  );
  if (r.wcf.ran) {
    const of = (measure: WcfMeasure): typeof r.wcf.summary => (r.wcf.ran ? r.wcf.summary.filter((w) => w.measure === measure) : []);
    parts.push(
      '### WCF calls (ICalculator.Add)\n\n' +
        table(
          ['configuration', 'sessions', 'calls/s', 'p50 / p99 µs', 'vs direct', 'TLS vs clear text', 'vs one worker'],
          ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
          of('calls').map((w) => [
            LABEL[w.configuration]!,
            String(w.concurrency),
            int(w.callsPerSec),
            `${int(w.p50Us)} / ${int(w.p99Us)}`,
            dec(w.ratioToDirect),
            dec(w.ratioToPlaintext),
            dec(w.ratioToOneWorker),
          ]),
        ) +
        (r.wcf.tls.ran ? '' : `\n\nTLS not measured: ${r.wcf.tls.reason}.`),
    );
    if (of('work').length > 0) {
      parts.push(
        '### Many workers per URI (IWork.Work: about 0.2 ms of service CPU per call)\n\n' +
          table(
            ['configuration', 'sessions', 'calls/s', 'p50 / p99 µs', 'vs one worker'],
            ['l', 'r', 'r', 'r', 'r'],
            of('work').map((w) => [LABEL[w.configuration]!, String(w.concurrency), int(w.callsPerSec), `${int(w.p50Us)} / ${int(w.p99Us)}`, dec(w.ratioToOneWorker)]),
          ),
      );
    }
    if (of('callbacks').length > 0) {
      parts.push(
        '### Duplex callbacks (one session; each Stream(n) call answered by n one-way callbacks)\n\n' +
          table(
            ['configuration', 'callbacks/s', 'Stream(500) p50 / p99 µs', 'vs direct'],
            ['l', 'r', 'r', 'r'],
            of('callbacks').map((w) => [LABEL[w.configuration]!, int(w.callsPerSec), `${int(w.p50Us)} / ${int(w.p99Us)}`, dec(w.ratioToDirect)]),
          ),
      );
    }
    if (of('setup').length > 0) {
      parts.push(
        '### Session setup (connect, preamble, one Add, close; one after another)\n\n' +
          table(
            ['configuration', 'sessions/s', 'connect to first reply p50 / p99 µs', 'TLS vs clear text'],
            ['l', 'r', 'r', 'r'],
            of('setup').map((w) => [LABEL[w.configuration]!, int(w.callsPerSec), `${int(w.p50Us)} / ${int(w.p99Us)}`, dec(w.ratioToPlaintext)]),
          ),
      );
    }
  } else {
    parts.push(`### WCF calls\n\nNot measured: ${r.wcf.reason}.`);
  }
  if (r.streamed.ran) {
    const bytes = r.streamed.samples[0]?.bytes ?? 0;
    parts.push(
      `### Streamed upload (one Upload(Stream) of ${(bytes / 1024 ** 3).toFixed(2)} GiB, TransferMode.Streamed; median of the rounds)\n\n` +
        table(
          ['configuration', 'MB/s', "service's peak RSS growth, MB (worst round)", 'vs direct'],
          ['l', 'r', 'r', 'r'],
          r.streamed.summary.map((s) => [LABEL[s.configuration]!, int(s.mbPerSec), dec(s.peakRssGrowthBytes / 1e6), dec(s.ratioToDirect)]),
        ),
    );
  } else {
    parts.push(`### Streamed upload\n\nNot measured: ${r.streamed.reason}.`);
  }
  parts.push(
    '### Targets\n\n' +
      table(
        ['target', 'value', 'limit', 'met'],
        ['l', 'r', 'r', 'l'],
        r.targets.map((t) => [t.description, dec(t.value), `${t.comparison} ${t.limit}`, t.met === null ? 'not measured' : t.met ? 'yes' : '**no**']),
      ),
  );
  return parts.join('\n\n') + '\n';
}
