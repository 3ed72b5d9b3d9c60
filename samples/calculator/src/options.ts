/**
 * Command-line options shared by the service and the client. The sample's page says to change the
 * address for a cross-machine run; here that needs no recompile: `--host` (or CALCULATOR_HOST) and
 * `--port` (or CALCULATOR_PORT).
 */
export interface SampleOptions {
  host: string;
  port: number;
  portSharing: boolean;
  /** The service number in the path (`--number N`); random when not given, as in the sample. */
  number: number | undefined;
  /**
   * `--replace`: a zero-downtime deploy. This copy takes the address from a running one with the
   * same number (NetTcpListener onConflict 'replace'), which finishes its sessions and exits.
   */
  replace: boolean;
  /** Service: `--certificate FILE --key FILE` (PEM) turn on transport security (TLS). */
  certificate: string | undefined;
  key: string | undefined;
  /** Client: `--ca FILE` (PEM) turns on transport security, trusting the CA (or self-signed certificate) in FILE. */
  ca: string | undefined;
  /** Client: `--dns-identity NAME`, the name the service certificate must carry (default: the host). */
  dnsIdentity: string | undefined;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): SampleOptions {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i === -1 ? undefined : argv[i + 1];
  };
  const port = Number(value('--port') ?? env['CALCULATOR_PORT'] ?? 9000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be 1..65535 (got ${value('--port')})`);
  const numberText = value('--number');
  const number = numberText === undefined ? undefined : Number(numberText);
  if (number !== undefined && (!Number.isInteger(number) || number < 0 || number > 65535)) {
    throw new Error(`--number must be 0..65535 (got ${numberText})`);
  }
  if ((value('--certificate') === undefined) !== (value('--key') === undefined)) {
    throw new Error('--certificate and --key go together: the service certificate (PEM) and its private key (PEM)');
  }
  return {
    host: value('--host') ?? env['CALCULATOR_HOST'] ?? 'localhost',
    port,
    portSharing: !argv.includes('--no-port-sharing'),
    number,
    replace: argv.includes('--replace'),
    certificate: value('--certificate'),
    key: value('--key'),
    ca: value('--ca'),
    dnsIdentity: value('--dns-identity'),
  };
}
