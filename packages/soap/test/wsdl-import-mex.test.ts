// `portshare-soap import` over WS-MetadataExchange (src/import/mex.ts): the metadata Mono publishes
// (packages/interop/test/fixtures/wsdl-import/documents/, as `?wsdl` serves it) is given back as a
// WS-Transfer GetResponse (WS-MetadataExchange 2004/09 §5: one wsx:MetadataSection per document,
// imports by namespace only) over a fake net.tcp channel and a local HTTP server; the generated
// module must be the golden one. The live test against Mono's own MEX endpoints is
// packages/interop/test/wsdl-import.int.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp } from './support/http-server.js';
import type { MessageChannel } from '../src/channel.js';
import { BINARY_CONTENT_TYPE, BINARY_SESSION_CONTENT_TYPE, encoderFor } from '../src/encoding.js';
import { parseEnvelope } from '../src/envelope.js';
import { SoapError } from '../src/errors.js';
import { netTcpOpener, runCli } from '../src/import/cli.js';
import { importWsdl } from '../src/import/import-wsdl.js';
import { loadMexDocuments, metadataDocuments, Mex, type MexChannelOpener } from '../src/import/mex.js';
import { TextMessageEncoder } from '../src/text-encoder.js';
import { textOf } from '../src/text-value.js';
import type { XmlNode } from '../src/xml-node.js';

const FIXTURES = fileURLToPath(new URL('../../interop/test/fixtures/wsdl-import/', import.meta.url));
const DOCUMENTS = join(FIXTURES, 'documents');
const GOLDEN = readFileSync(join(FIXTURES, 'IInventory.ts'), 'utf8');
const GOLDEN_LABEL = 'http://127.0.0.1:HTTP_PORT/meta?wsdl';
const ADDRESS = 'net.tcp://127.0.0.1:808/inventory/mex';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const WSA = 'http://www.w3.org/2005/08/addressing';

const big = { maxReceivedMessageSize: 1 << 24, maxStringContentLength: 1 << 24, maxNameTableCharCount: 1 << 24, maxBytesPerRead: 1 << 24, maxArrayLength: 1 << 24, maxDepth: 64 };

/** A document as a MEX section holds it: no XML declaration, imports by namespace only (no location). */
function asSection(file: string): string {
  return readFileSync(join(DOCUMENTS, file), 'utf8')
    .replace(/^<\?xml[^>]*\?>/, '')
    .replace(/(<(?:wsdl|xsd|xs):import\b[^>]*?)\s(?:schemaLocation|location)="[^"]*"/g, '$1');
}

function section(file: string): string {
  const dialect = file.endsWith('.wsdl') ? Mex.wsdlDialect : Mex.schemaDialect;
  return `<wsx:MetadataSection Dialect="${dialect}">${asSection(file)}</wsx:MetadataSection>`;
}

/** The sections in an order other than ?wsdl's, as a MetadataSet may list them (the importer reorders). */
const SECTIONS = ['xsd4.xsd', 'wsdl0.wsdl', 'xsd1.xsd', 'xsd0.xsd', 'service.wsdl', 'xsd3.xsd', 'xsd2.xsd'];

function envelopeText(body: string, action: string = Mex.getResponseAction): string {
  return (
    `<s:Envelope xmlns:s="${SOAP12}" xmlns:a="${WSA}"><s:Header><a:Action s:mustUnderstand="1">${action}</a:Action>` +
    `<a:RelatesTo>urn:uuid:6e3a5d3c-1f7b-4a8e-9b0a-2a4b3c5d6e7f</a:RelatesTo></s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

function metadataText(sections: readonly string[] = SECTIONS.map(section)): string {
  return envelopeText(`<Metadata xmlns="${Mex.namespace}" xmlns:wsx="${Mex.namespace}">${sections.join('')}</Metadata>`);
}

function faultText(reason: string): string {
  return envelopeText(
    `<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">${reason}</s:Text></s:Reason></s:Fault>`,
    `${WSA}/fault`,
  );
}

const asNodes = (text: string): XmlNode[] => new TextMessageEncoder({ quotas: big }).decode(Buffer.from(text, 'utf8'));

type Reply = string | Buffer | 'hang' | 'end';

interface FakeServer {
  readonly open: MexChannelOpener;
  readonly requests: { encoding: string; nodes: XmlNode[] }[];
  readonly opened: { via: string; encoding: string; maxMessageSize: number; openTimeoutMs: number }[];
  aborted: number;
  closed: number;
}

/**
 * A MEX endpoint behind a fake net.tcp opener: `reply` (text XML, re-encoded with the session's
 * binary encoding, or raw bytes) answers the Get. Encodings in `refuse` fail to open as
 * @portshare/worker's connectSession does when the service refuses the preamble (`refusal`, its error code).
 */
function fakeServer(reply: Reply, refuse: readonly string[] = [], refusal = 'SESSION_ERR_CONTENT_TYPE_INVALID'): FakeServer {
  const server: FakeServer = {
    requests: [],
    opened: [],
    aborted: 0,
    closed: 0,
    open: async (via, options) => {
      server.opened.push({ via, ...options });
      if (refuse.includes(options.encoding)) {
        throw Object.assign(new Error(`The server at ${via} does not accept the content type ${options.encoding}.`), { code: refusal });
      }
      const encoder = encoderFor(options.encoding, { quotas: big });
      const replies: Buffer[] = [];
      let wake: (() => void) | undefined;
      let ended = false;
      const channel: MessageChannel & { abort: () => void } = {
        via,
        encoding: options.encoding,
        send: async (payload) => {
          server.requests.push({ encoding: options.encoding, nodes: encoder.decode(payload) });
          if (reply === 'end') ended = true;
          else if (reply !== 'hang') replies.push(typeof reply === 'string' ? encoder.encode(asNodes(reply)) : reply);
          wake?.();
        },
        async *[Symbol.asyncIterator]() {
          for (;;) {
            const next = replies.shift();
            if (next !== undefined) {
              yield next;
              continue;
            }
            if (ended) return;
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        },
        close: async () => {
          server.closed++;
          ended = true;
          wake?.();
        },
        abort: () => {
          server.aborted++;
          ended = true;
          wake?.();
        },
      };
      return channel;
    },
  };
  return server;
}

const failure = async (p: Promise<unknown>): Promise<SoapError> => {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(SoapError);
  expect((e as SoapError).code).toBe('SOAP_ERR_IMPORT_FAILED');
  return e as SoapError;
};

describe('importing from a net.tcp MEX endpoint (mexTcpBinding)', () => {
  it('sends one WS-Transfer Get with the headers WCF writes, and generates the golden module', async () => {
    const server = fakeServer(metadataText());
    const result = await importWsdl(ADDRESS, { openChannel: server.open, sourceLabel: GOLDEN_LABEL });
    expect(result.code).toBe(GOLDEN);
    expect(server.opened).toEqual([{ via: ADDRESS, encoding: BINARY_CONTENT_TYPE, maxMessageSize: 8 * 1024 * 1024, openTimeoutMs: 30_000 }]);
    expect(server.requests).toHaveLength(1);
    const request = parseEnvelope(server.requests[0]!.nodes);
    expect(request.action).toBe('http://schemas.xmlsoap.org/ws/2004/09/transfer/Get');
    expect(request.messageId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(request.replyTo).toBe(`${WSA}/anonymous`);
    expect(request.to).toBe(ADDRESS);
    expect(request.body).toEqual([]);
    const mustUnderstand = (local: string): string | undefined => {
      const h = request.headers.find((x) => x.localName === local);
      const a = h?.attributes.find((x) => x.localName === 'mustUnderstand');
      return a === undefined ? undefined : textOf(a.value);
    };
    expect([mustUnderstand('Action'), mustUnderstand('To')]).toEqual(['1', '1']);
    expect(server.closed).toBe(1);
  });

  it('orders the sections as ?wsdl is read: the WSDL with the service, what it imports, then the schemas by namespace', async () => {
    const docs = await loadMexDocuments(ADDRESS, { openChannel: fakeServer(metadataText()).open });
    const tns = (i: number): string | undefined => docs[i]?.root.attrs.get('targetNamespace');
    expect(docs.map((d) => d.root.local)).toEqual(['definitions', 'definitions', 'schema', 'schema', 'schema', 'schema', 'schema']);
    expect([0, 1, 2, 3, 4, 5, 6].map(tns)).toEqual([
      'http://tempuri.org/',
      'http://schemas.portshare.dev/metadata',
      'http://schemas.portshare.dev/metadata',
      'http://schemas.microsoft.com/2003/10/Serialization/',
      'http://schemas.microsoft.com/2003/10/Serialization/Arrays',
      'http://schemas.datacontract.org/2004/07/Portshare.Interop.Metadata',
      'http://schemas.datacontract.org/2004/07/System',
    ]);
    expect(docs[0]?.location).toBe(`${ADDRESS}#section4`);
  });

  it.each([
    ['answers ContentTypeInvalid (.NET Framework)', 'SESSION_ERR_CONTENT_TYPE_INVALID'],
    ['closes the connection before its PreambleAck (CoreWCF)', 'SESSION_ERR_CONNECTION_CLOSED'],
  ])('falls back to the binary session encoding when the service %s', async (_what, code) => {
    const server = fakeServer(metadataText(), [BINARY_CONTENT_TYPE], code);
    const result = await importWsdl(ADDRESS, { openChannel: server.open, sourceLabel: GOLDEN_LABEL });
    expect(result.code).toBe(GOLDEN);
    expect(server.opened.map((o) => o.encoding)).toEqual([BINARY_CONTENT_TYPE, BINARY_SESSION_CONTENT_TYPE]);
    expect(server.requests.map((r) => r.encoding)).toEqual([BINARY_SESSION_CONTENT_TYPE]);
  });

  it('reports the last refusal when the service takes neither binary encoding', async () => {
    const server = fakeServer(metadataText(), [BINARY_CONTENT_TYPE, BINARY_SESSION_CONTENT_TYPE]);
    const err = await failure(importWsdl(ADDRESS, { openChannel: server.open }));
    expect(err.message).toBe(
      `Cannot open a net.tcp session with ${ADDRESS}: The server at ${ADDRESS} does not accept the content type ${BINARY_SESSION_CONTENT_TYPE}. Check that the address is the service's MEX endpoint (mexTcpBinding, no security), or import its ?wsdl URL instead.`,
    );
  });

  it('passes the size limit and the timeout to the session, and refuses a larger reply', async () => {
    const server = fakeServer(metadataText());
    const err = await failure(loadMexDocuments(ADDRESS, { openChannel: server.open, maxDocumentBytes: 4096, timeoutMs: 5000 }));
    expect(server.opened[0]).toMatchObject({ maxMessageSize: 4096, openTimeoutMs: 5000 });
    expect(err.message).toBe(`The metadata reply from ${ADDRESS} is larger than 4096 bytes; raise maxDocumentBytes (--max-bytes) if the service's metadata really is that large.`);
    expect(server.aborted).toBe(1);
  });

  it('gives up after the timeout when no reply comes, and aborts the session', async () => {
    const server = fakeServer('hang');
    const err = await failure(loadMexDocuments(ADDRESS, { openChannel: server.open, timeoutMs: 200 }));
    expect(err.message).toBe(`${ADDRESS} did not answer the metadata request within 200 ms (--timeout).`);
    expect(server.aborted).toBe(1);
  });

  it('refuses what is not a GetResponse holding inline WSDL and XSD (SOAP_ERR_IMPORT_FAILED)', async () => {
    const read = (reply: Reply): Promise<SoapError> => failure(loadMexDocuments(ADDRESS, { openChannel: fakeServer(reply).open }));
    expect((await read('end')).message).toContain('ended the session without answering the metadata request');
    expect((await read(Buffer.from([0x56, 0x02, 0xff, 0xff, 0xff]))).message).toMatch(/^The metadata reply from net\.tcp:\/\/\S+ could not be read: /);
    expect((await read(faultText('The message with Action \'x\' cannot be processed'))).message).toBe(
      `${ADDRESS} answered the metadata request with a fault: The message with Action 'x' cannot be processed. Check that the address is the service's MEX endpoint and that the service publishes metadata (ServiceMetadataBehavior).`,
    );
    expect((await read(envelopeText('<Other xmlns="urn:x"/>'))).message).toBe(`The metadata reply from ${ADDRESS} holds <Other> in 'urn:x', not one wsx:Metadata (WS-MetadataExchange 2004/09).`);
    expect((await read(envelopeText(`<Metadata xmlns="${Mex.namespace}"/>`, 'urn:other'))).message).toContain("with the action 'urn:other', not WS-Transfer's GetResponse");
    // Mono 6.8's own MEX endpoint without the endpoints exported into ServiceMetadataBehavior.MetadataExporter.
    expect((await read(metadataText([]))).message).toBe(
      `The metadata reply from ${ADDRESS} holds no WSDL document. Check that the service publishes metadata (ServiceMetadataBehavior) on this MEX endpoint.`,
    );
    expect((await read(metadataText([`<wsx:MetadataSection Dialect="${Mex.wsdlDialect}"><wsx:Location>http://h/svc?wsdl</wsx:Location></wsx:MetadataSection>`]))).message).toBe(
      `${ADDRESS} gives its metadata by reference (wsx:Location http://h/svc?wsdl), not inline; import that location (its ?wsdl URL) instead.`,
    );
    expect((await read(metadataText([`<wsx:MetadataSection Dialect="${Mex.wsdlDialect}"><xs:schema xmlns:xs="${Mex.schemaDialect}"/></wsx:MetadataSection>`]))).message).toBe(
      `${ADDRESS}#section0 has the Dialect http://schemas.xmlsoap.org/wsdl/ but holds <schema> in 'http://www.w3.org/2001/XMLSchema'.`,
    );
    const many = Array.from({ length: 3 }, () => section('xsd1.xsd'));
    expect((await failure(loadMexDocuments(ADDRESS, { openChannel: fakeServer(metadataText(many)).open, maxDocuments: 2 }))).message).toContain('holds more than 2 documents');
  });

  it('says what to do when the session cannot be opened, or no net.tcp client is given', async () => {
    const refused: MexChannelOpener = async () => {
      throw Object.assign(new Error('Cannot connect to 127.0.0.1:808 (ECONNREFUSED).'), { code: 'SESSION_ERR_CONNECTION_REFUSED' });
    };
    expect((await failure(loadMexDocuments(ADDRESS, { openChannel: refused }))).message).toBe(
      `Cannot open a net.tcp session with ${ADDRESS}: Cannot connect to 127.0.0.1:808 (ECONNREFUSED). Check that the address is the service's MEX endpoint (mexTcpBinding, no security), or import its ?wsdl URL instead.`,
    );
    expect((await failure(importWsdl(ADDRESS))).message).toContain('needs a net.tcp client: pass openChannel');
    expect((await failure(loadMexDocuments('ftp://host/mex'))).message).toContain('only net.tcp, http and https MEX endpoints are supported');
  });

  it('a section keeps the namespace declarations it inherits from the envelope', () => {
    const text = envelopeText(
      `<wsx:Metadata xmlns:wsx="${Mex.namespace}" xmlns:xs="${Mex.schemaDialect}" xmlns:q="urn:q">` +
        `<wsx:MetadataSection Dialect="${Mex.wsdlDialect}"><wsdl:definitions xmlns:wsdl="${Mex.wsdlDialect}" targetNamespace="urn:w"/></wsx:MetadataSection>` +
        `<wsx:MetadataSection Dialect="${Mex.schemaDialect}"><xs:schema targetNamespace="urn:q"><xs:element name="E" type="q:T"/></xs:schema></wsx:MetadataSection>` +
        '</wsx:Metadata>',
    );
    const docs = metadataDocuments(asNodes(text), ADDRESS);
    expect(docs[1]?.root.scope.get('q')).toBe('urn:q');
    expect(docs[1]?.root.scope.get('xs')).toBe(Mex.schemaDialect);
    expect(docs[1]?.text).toContain('xmlns:q="urn:q"');
  });
});

describe('importing from an HTTP MEX endpoint (mexHttpBinding, --mex)', () => {
  let server: Awaited<ReturnType<typeof listenHttp>>;
  let base = '';
  const seen: { url: string | undefined; method: string | undefined; headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = await listenHttp((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url, method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.url === '/mex') {
          res.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' }).end(`<?xml version="1.0" encoding="utf-8"?>${metadataText()}`);
        } else if (req.url === '/fault') {
          res.writeHead(500, { 'content-type': 'application/soap+xml; charset=utf-8' }).end(faultText('No metadata here'));
        } else if (req.url === '/huge') {
          res.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' }).end(metadataText([...SECTIONS, ...SECTIONS].map(section)));
        } else {
          res.writeHead(404).end();
        }
      });
    });
    base = server.base;
  });

  afterAll(() => server.close());

  it('POSTs the Get as SOAP 1.2 text and generates the golden module', async () => {
    const result = await importWsdl(`${base}/mex`, { mex: true, sourceLabel: GOLDEN_LABEL });
    expect(result.code).toBe(GOLDEN);
    const request = seen.find((r) => r.url === '/mex');
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/soap+xml; charset=utf-8; action="http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"');
    const env = parseEnvelope(asNodes(request?.body ?? ''));
    expect([env.action, env.to, env.replyTo, env.body.length]).toEqual([Mex.getAction, `${base}/mex`, `${WSA}/anonymous`, 0]);
  });

  it('a fault (status 500), another status, and a reply over the size limit are SOAP_ERR_IMPORT_FAILED', async () => {
    expect((await failure(importWsdl(`${base}/fault`, { mex: true }))).message).toContain('answered the metadata request with a fault: No metadata here.');
    expect((await failure(importWsdl(`${base}/missing`, { mex: true }))).message).toBe(
      `POST ${base}/missing answered 404 Not Found. Check that the address is the service's MEX endpoint (mexHttpBinding), or import its ?wsdl URL instead.`,
    );
    const size = Buffer.byteLength(metadataText());
    expect((await failure(importWsdl(`${base}/huge`, { mex: true, maxDocumentBytes: size }))).message).toContain('is larger than');
  });

  it('the command line: --mex for http', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsdl-import-mex-'));
    try {
      const out: string[] = [];
      const err: string[] = [];
      const io = { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) };
      expect(await runCli(['import', `${base}/mex`, '--mex', '--out', dir], io)).toBe(0);
      expect(out).toEqual([join(dir, 'IInventory.ts')]);
      expect(readFileSync(join(dir, 'IInventory.ts'), 'utf8')).toBe(GOLDEN.replace(GOLDEN_LABEL, `${base}/mex`));
      expect(err).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the command line loads the net.tcp client from the project, and says what to install when it is missing', async () => {
    // This package does not depend on @portshare/worker; a name nothing provides stands for a project without it.
    const err = await failure(netTcpOpener('@portshare/no-such-package'));
    expect(err.message).toBe(
      "Reading a net.tcp MEX address needs @portshare/no-such-package (the net.tcp client): install it in this project (npm install --save-dev @portshare/no-such-package), or import the service's ?wsdl URL, or its HTTP MEX endpoint with --mex.",
    );
  });
});
