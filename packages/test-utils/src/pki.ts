/**
 * Certificates for transport-security tests, made by the `openssl` command line (a real CA, not
 * fixtures checked into the tree, so none of them expires under the suite): a test CA, server
 * certificates that are valid, for another name, expired, or from an untrusted CA, and client
 * certificates from the trusted and the untrusted CA.
 *
 * @module
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, PEM, with the files they were written to. */
export interface TestCredential {
  readonly certificate: string;
  readonly key: string;
  readonly certificateFile: string;
  readonly keyFile: string;
}

/** Everything a TLS test needs. */
export interface TestPki {
  readonly dir: string;
  /** The CA every "good" certificate chains to. */
  readonly ca: string;
  readonly caFile: string;
  /** A second CA nobody trusts. */
  readonly otherCa: string;
  /** CN=localhost, SAN DNS:localhost and IP:127.0.0.1, from the CA. */
  readonly server: TestCredential;
  /** The server credential as PKCS#12, with {@link pfxPassphrase}. */
  readonly serverPfx: Buffer;
  readonly pfxPassphrase: string;
  /** CN=other.example (SAN DNS:other.example), from the CA: a name mismatch for localhost. */
  readonly otherName: TestCredential;
  /** CN=localhost, valid from 2020-01-01 to 2021-01-01: expired. */
  readonly expired: TestCredential;
  /** CN=localhost from the untrusted CA. */
  readonly untrusted: TestCredential;
  /** A client certificate (CN=portshare-test-client) from the CA. */
  readonly client: TestCredential;
  /** A client certificate from the untrusted CA. */
  readonly untrustedClient: TestCredential;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a fresh PKI in a temporary folder (about a second of key generation). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'ps-pki-'));
  const makeCa = (name: string, cn: string): void => {
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', `/CN=${cn}`,
        '-keyout', `${name}.key`, '-out', `${name}.pem`],
      dir,
    );
    // `openssl ca` bookkeeping: it is the one command that can set an arbitrary validity window.
    writeFileSync(join(dir, `${name}.index`), '');
    writeFileSync(join(dir, `${name}.serial`), '1000\n');
    writeFileSync(
      join(dir, `${name}.cnf`),
      [
        '[ca]', 'default_ca = own', '[own]', `database = ${name}.index`, `serial = ${name}.serial`,
        `certificate = ${name}.pem`, `private_key = ${name}.key`, 'new_certs_dir = .', 'default_md = sha256',
        'policy = any', 'copy_extensions = copy', 'unique_subject = no', '[any]', 'commonName = supplied', '',
      ].join('\n'),
    );
  };
  const issue = (
    name: string,
    ca: string,
    cn: string,
    altNames: string | undefined,
    window: { start: string; end: string } = { start: '', end: '' },
  ): TestCredential => {
    const ext = join(dir, `${name}.ext`);
    writeFileSync(ext, altNames === undefined ? 'basicConstraints=CA:FALSE\n' : `basicConstraints=CA:FALSE\nsubjectAltName=${altNames}\n`);
    openssl(
      ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${cn}`,
        '-keyout', `${name}.key`, '-out', `${name}.csr`],
      dir,
    );
    const dates = window.start === '' ? ['-days', '30'] : ['-startdate', window.start, '-enddate', window.end];
    openssl(
      ['ca', '-batch', '-notext', '-config', `${ca}.cnf`, '-extfile', ext, ...dates, '-in', `${name}.csr`, '-out', `${name}.pem`],
      dir,
    );
    return {
      certificate: readFileSync(join(dir, `${name}.pem`), 'utf8'),
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
      certificateFile: join(dir, `${name}.pem`),
      keyFile: join(dir, `${name}.key`),
    };
  };
  makeCa('ca', 'portshare test CA');
  makeCa('other-ca', 'untrusted test CA');
  const server = issue('server', 'ca', 'localhost', 'DNS:localhost,IP:127.0.0.1');
  const pfxPassphrase = 'pfx-secret';
  openssl(
    ['pkcs12', '-export', '-in', 'server.pem', '-inkey', 'server.key', '-out', 'server.pfx', '-passout', `pass:${pfxPassphrase}`],
    dir,
  );
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    caFile: join(dir, 'ca.pem'),
    otherCa: readFileSync(join(dir, 'other-ca.pem'), 'utf8'),
    server,
    serverPfx: readFileSync(join(dir, 'server.pfx')),
    pfxPassphrase,
    otherName: issue('other-name', 'ca', 'other.example', 'DNS:other.example'),
    expired: issue('expired', 'ca', 'localhost', 'DNS:localhost', { start: '20200101000000Z', end: '20210101000000Z' }),
    untrusted: issue('untrusted', 'other-ca', 'localhost', 'DNS:localhost'),
    client: issue('client', 'ca', 'portshare-test-client', undefined),
    untrustedClient: issue('untrusted-client', 'other-ca', 'portshare-test-client', undefined),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
