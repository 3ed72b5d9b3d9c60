// `portshare-soap import` offline: the WSDL and XSD documents Mono's WCF published for
// packages/interop/csharp/MetadataService.cs (kept by packages/interop/test/wsdl-import.int.test.ts
// in packages/interop/test/fixtures/wsdl-import/, with their imports rewritten to the files next to
// them), and small hand-written WSDL documents for each construct and each refusal.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp } from './support/http-server.js';
import { SoapError } from '../src/errors.js';
import { runCli } from '../src/import/cli.js';
import { generateFromDocuments, importWsdl, type ImportResult } from '../src/import/import-wsdl.js';
import { loadDocuments } from '../src/import/loader.js';
import type { CollectionModel, ContractModel, DataContractModel, EnumModel, OperationModel } from '../src/import/model.js';
import { parseXml } from '../src/import/xml-tree.js';

const FIXTURES = fileURLToPath(new URL('../../interop/test/fixtures/wsdl-import/', import.meta.url));
const WSDL = join(FIXTURES, 'documents', 'service.wsdl');
const GOLDEN_LABEL = 'http://127.0.0.1:HTTP_PORT/meta?wsdl';
const DC_NS = 'http://schemas.datacontract.org/2004/07/Portshare.Interop.Metadata';

function op(contract: ContractModel, name: string): OperationModel {
  const found = contract.operations.find((o) => o.name === name);
  if (found === undefined) throw new Error(`no operation ${name}`);
  return found;
}

function dataContract(result: ImportResult, name: string): DataContractModel {
  const found = result.model.types.find((t) => t.name === name);
  if (found?.kind !== 'dataContract') throw new Error(`no data contract ${name}`);
  return found;
}

describe('importing the metadata Mono publishes (golden files)', () => {
  let result: ImportResult;
  let contract: ContractModel;

  beforeAll(async () => {
    result = await importWsdl(WSDL, { sourceLabel: GOLDEN_LABEL });
    const first = result.model.contracts[0];
    if (first === undefined) throw new Error('no contract');
    contract = first;
  });

  it('reads the WSDL and every document it imports from the files next to it', () => {
    expect(result.documents.map((d) => d.location.split('/').pop())).toEqual(['service.wsdl', 'wsdl0.wsdl', 'xsd0.xsd', 'xsd1.xsd', 'xsd2.xsd', 'xsd3.xsd', 'xsd4.xsd']);
  });

  it('generates the same module as from the live URL (the golden module)', () => {
    expect(result.fileName).toBe('IInventory.ts');
    expect(result.code).toBe(readFileSync(join(FIXTURES, 'IInventory.ts'), 'utf8'));
  });

  it('maps the XSD primitives of the parameters and results', () => {
    const types = (name: string): unknown => {
      const o = op(contract, name);
      return [o.params.map((p) => p.type), o.returns];
    };
    const p = (name: string): unknown => ({ kind: 'primitive', name });
    expect(types('AddInts')).toEqual([[p('int'), p('int')], p('int')]);
    expect(types('Concat')).toEqual([[p('string'), p('string')], p('string')]);
    expect(types('Not')).toEqual([[p('bool')], p('bool')]);
    expect(types('Half')).toEqual([[p('double')], p('double')]);
    expect(types('Twice')).toEqual([[p('long')], p('long')]);
    expect(types('AddDecimal')).toEqual([[p('decimal'), p('decimal')], p('decimal')]);
    expect(types('AddDays')).toEqual([[p('dateTime'), p('int')], p('dateTime')]);
    expect(types('EchoGuid')).toEqual([[p('guid')], p('guid')]);
    expect(types('Reverse')).toEqual([[p('bytes')], p('bytes')]);
    expect(types('Split')).toEqual([[p('string')], { kind: 'array', item: p('string') }]);
  });

  it('maps the data contracts: members in order, a nested contract, an array of contracts, an enum, a nullable int', () => {
    const item = dataContract(result, 'Item');
    expect(item.namespace).toBe(DC_NS);
    expect(item.members.map((m) => m.name)).toEqual(['Added', 'Aliases', 'Id', 'InStock', 'Kind', 'Name', 'Photo', 'Price', 'Quantity', 'Rating', 'Serial', 'Size', 'Tags']);
    const member = (name: string): unknown => item.members.find((m) => m.name === name);
    expect(member('Rating')).toEqual({ name: 'Rating', type: { kind: 'nullable', item: { kind: 'primitive', name: 'int' } }, order: undefined, isRequired: false, emitDefaultValue: true });
    expect(member('Size')).toMatchObject({ type: { kind: 'named', key: `{${DC_NS}}Dimensions` } });
    expect(member('Tags')).toMatchObject({ type: { kind: 'array', item: { kind: 'named', key: `{${DC_NS}}Tag` } } });
    expect(member('Kind')).toMatchObject({ type: { kind: 'named', key: `{${DC_NS}}ItemKind` } });
    // Dependencies come first, so the module can declare them as constants in order.
    expect(result.model.types.map((t) => t.name)).toEqual(['ItemKind', 'Dimensions', 'Tag', 'Item', 'Tool', 'Bins', 'Shelf', 'PowerTool']);
  });

  it('maps a derived contract (complexContent/extension) and makes it a known type of its base', () => {
    expect(dataContract(result, 'Tool')).toMatchObject({ base: undefined, knownTypes: [`{${DC_NS}}PowerTool`] });
    expect(dataContract(result, 'PowerTool')).toMatchObject({
      base: `{${DC_NS}}Tool`,
      knownTypes: [],
      members: [{ name: 'Watts', type: { kind: 'primitive', name: 'int' } }],
    });
    expect(result.code).toContain("  base: Tool,\n  members: {\n    Watts: 'int',\n  },\n});");
    expect(result.code).toContain('  knownTypes: (): readonly TypeRef[] => [PowerTool],\n});');
    expect(op(contract, 'Upgrade')).toMatchObject({ params: [{ name: 'tool', type: { kind: 'named', key: `{${DC_NS}}Tool` } }], returns: { kind: 'named', key: `{${DC_NS}}Tool` } });
  });

  it('maps object, XmlQualifiedName, a [CollectionDataContract], a dictionary of data contracts and DateTimeOffset', () => {
    const shelf = dataContract(result, 'Shelf');
    expect(shelf.members.map((m) => [m.name, m.type])).toEqual([
      ['Anything', { kind: 'primitive', name: 'object' }],
      ['Bins', { kind: 'named', key: `{${DC_NS}}Bins` }],
      ['Code', { kind: 'primitive', name: 'qname' }],
      ['Stamped', { kind: 'dateTimeOffset' }],
      ['TagsByName', { kind: 'dictionary', key: { kind: 'primitive', name: 'string' }, value: { kind: 'named', key: `{${DC_NS}}Tag` } }],
    ]);
    const bins = result.model.types.find((t): t is CollectionModel => t.name === 'Bins');
    expect(bins).toEqual({ kind: 'collection', key: `{${DC_NS}}Bins`, name: 'Bins', namespace: DC_NS, itemName: 'Bin', item: { kind: 'primitive', name: 'string' } });
    expect(result.code).toContain("  itemName: 'Bin',\n  item: 'string',\n});");
    expect(result.code).toContain("    TagsByName: dictionaryOf('string', Tag),");
    expect(op(contract, 'EchoObject')).toMatchObject({ params: [{ type: { kind: 'primitive', name: 'object' } }], returns: { kind: 'primitive', name: 'object' } });
  });

  it('maps the enum with its EnumerationValue numbers', () => {
    const kind = result.model.types.find((t): t is EnumModel => t.kind === 'enum');
    expect(kind).toEqual({
      kind: 'enum',
      key: `{${DC_NS}}ItemKind`,
      name: 'ItemKind',
      namespace: DC_NS,
      members: [
        { name: 'Tool', value: 1 },
        { name: 'Part', value: 2 },
        { name: 'Kit', value: 10 },
      ],
      flags: false,
    });
  });

  it('maps one-way and void operations, and leaves default Actions implicit', () => {
    expect(contract.namespace).toBe('http://schemas.portshare.dev/metadata');
    expect(op(contract, 'Notify')).toMatchObject({ oneWay: true, returns: undefined });
    expect(op(contract, 'Reset')).toEqual({ name: 'Reset', params: [], returns: undefined, oneWay: false, action: undefined, replyAction: undefined, faults: [] });
    expect(contract.operations.every((o) => o.action === undefined && o.replyAction === undefined)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-written metadata: one WSDL document with its schemas inline in wsdl:types.

const TNS = 'http://example.org/svc';
const DNS = 'http://schemas.datacontract.org/2004/07/Example';

interface OperationXml {
  readonly name: string;
  readonly request: string;
  /** The reply wrapper's sequence; undefined for one-way. */
  readonly reply?: string;
  readonly inputAction?: string;
  readonly outputAction?: string;
  readonly fault?: boolean;
}

/** A WSDL with one contract IFoo, a data contract schema `types` and the given operations. */
function wsdl(types: string, operations: readonly OperationXml[]): string {
  const elements = operations
    .map((o) => {
      const req = `<xs:element name="${o.name}"><xs:complexType><xs:sequence>${o.request}</xs:sequence></xs:complexType></xs:element>`;
      const rep = o.reply === undefined ? '' : `<xs:element name="${o.name}Response"><xs:complexType><xs:sequence>${o.reply}</xs:sequence></xs:complexType></xs:element>`;
      return req + rep;
    })
    .join('');
  const messages = operations
    .map(
      (o) =>
        `<wsdl:message name="IFoo_${o.name}_In"><wsdl:part name="parameters" element="tns:${o.name}"/></wsdl:message>` +
        (o.reply === undefined ? '' : `<wsdl:message name="IFoo_${o.name}_Out"><wsdl:part name="parameters" element="tns:${o.name}Response"/></wsdl:message>`),
    )
    .join('');
  const ops = operations
    .map(
      (o) =>
        `<wsdl:operation name="${o.name}"><wsdl:input wsaw:Action="${o.inputAction ?? `${TNS}/IFoo/${o.name}`}" message="tns:IFoo_${o.name}_In"/>` +
        (o.reply === undefined ? '' : `<wsdl:output wsaw:Action="${o.outputAction ?? `${TNS}/IFoo/${o.name}Response`}" message="tns:IFoo_${o.name}_Out"/>`) +
        (o.fault === true ? `<wsdl:fault wsaw:Action="${TNS}/IFoo/${o.name}MyFaultFault" name="MyFaultFault" message="tns:IFoo_${o.name}_MyFaultFault_FaultMessage"/>` : '') +
        '</wsdl:operation>',
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions targetNamespace="${TNS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl" xmlns:tns="${TNS}" xmlns:d="${DNS}"
    xmlns:ser="http://schemas.microsoft.com/2003/10/Serialization/" xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
  <wsdl:types>
    <xs:schema elementFormDefault="qualified" targetNamespace="${TNS}">${elements}</xs:schema>
    <xs:schema elementFormDefault="qualified" targetNamespace="${DNS}">${types}</xs:schema>
    <xs:schema elementFormDefault="qualified" targetNamespace="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
      <xs:complexType name="ArrayOfint"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="int" type="xs:int"/></xs:sequence></xs:complexType>
      <xs:complexType name="ArrayOfKeyValueOfstringint">
        <xs:annotation><xs:appinfo><IsDictionary xmlns="http://schemas.microsoft.com/2003/10/Serialization/">true</IsDictionary></xs:appinfo></xs:annotation>
        <xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="KeyValueOfstringint"><xs:complexType><xs:sequence>
          <xs:element name="Key" nillable="true" type="xs:string"/><xs:element name="Value" type="xs:int"/>
        </xs:sequence></xs:complexType></xs:element></xs:sequence>
      </xs:complexType>
    </xs:schema>
  </wsdl:types>
  ${messages}
  <wsdl:portType name="IFoo">${ops}</wsdl:portType>
</wsdl:definitions>`;
}

function generate(xml: string): ImportResult {
  return generateFromDocuments([{ location: 'memory:foo.wsdl', text: xml, root: parseXml(xml, 'memory:foo.wsdl') }], 'foo.wsdl');
}

function refusal(xml: string): SoapError {
  try {
    generate(xml);
  } catch (error) {
    if (error instanceof SoapError) return error;
    throw error;
  }
  throw new Error('the import did not fail');
}

const el = (name: string, type: string, extra = ''): string => `<xs:element minOccurs="0" name="${name}" type="${type}"${extra}/>`;

describe('mapping each construct', () => {
  it('every XSD primitive the SDK has a type for', () => {
    const pairs = [
      ['xs:string', 'string'], ['xs:int', 'int'], ['xs:long', 'long'], ['xs:boolean', 'bool'], ['xs:float', 'float'],
      ['xs:double', 'double'], ['xs:decimal', 'decimal'], ['xs:dateTime', 'dateTime'], ['xs:base64Binary', 'bytes'],
      ['xs:unsignedByte', 'byte'], ['xs:byte', 'sbyte'], ['xs:short', 'short'], ['xs:unsignedShort', 'ushort'],
      ['xs:unsignedInt', 'uint'], ['xs:unsignedLong', 'ulong'], ['xs:anyURI', 'uri'], ['ser:guid', 'guid'],
      ['ser:char', 'char'], ['ser:duration', 'timeSpan'],
    ] as const;
    const request = pairs.map(([xsd], i) => el(`p${i}`, xsd)).join('');
    const contract = generate(wsdl('', [{ name: 'All', request, reply: '' }])).model.contracts[0];
    expect(contract?.operations[0]?.params.map((p) => p.type)).toEqual(pairs.map(([, name]) => ({ kind: 'primitive', name })));
  });

  it('nillable value types are nullable, nillable strings stay strings; arrays, dictionaries and DateTimeOffset', () => {
    const request =
      el('a', 'xs:int', ' nillable="true"') + el('b', 'xs:string', ' nillable="true"') + el('c', 'arr:ArrayOfint', ' nillable="true"') +
      el('d', 'arr:ArrayOfKeyValueOfstringint', ' nillable="true"') +
      `<xs:element minOccurs="0" name="e" xmlns:sys="http://schemas.datacontract.org/2004/07/System" type="sys:DateTimeOffset"/>`;
    const r = generate(wsdl('', [{ name: 'Mixed', request, reply: '' }]));
    expect(r.model.contracts[0]?.operations[0]?.params.map((p) => p.type)).toEqual([
      { kind: 'nullable', item: { kind: 'primitive', name: 'int' } },
      { kind: 'primitive', name: 'string' },
      { kind: 'array', item: { kind: 'primitive', name: 'int' } },
      { kind: 'dictionary', key: { kind: 'primitive', name: 'string' }, value: { kind: 'primitive', name: 'int' } },
      { kind: 'dateTimeOffset' },
    ]);
    expect(r.code).toContain("Mixed: { params: [['a', nullable('int')], ['b', 'string'], ['c', arrayOf('int')], ['d', dictionaryOf('string', 'int')], ['e', DateTimeOffset]] },");
  });

  it('IsRequired, EmitDefaultValue = false and DataMember Order (a sequence out of name order)', () => {
    const types = `<xs:complexType name="Rec"><xs:sequence>
      <xs:element name="Zed" type="xs:int"/>
      <xs:element minOccurs="0" name="Alpha" nillable="true" type="xs:string">
        <xs:annotation><xs:appinfo><DefaultValue EmitDefaultValue="false" xmlns="http://schemas.microsoft.com/2003/10/Serialization/"/></xs:appinfo></xs:annotation>
      </xs:element></xs:sequence></xs:complexType>`;
    const r = generate(wsdl(types, [{ name: 'Take', request: el('r', 'd:Rec', ' nillable="true"'), reply: '' }]));
    expect(dataContract(r, 'Rec').members).toEqual([
      { name: 'Zed', type: { kind: 'primitive', name: 'int' }, order: 0, isRequired: true, emitDefaultValue: true },
      { name: 'Alpha', type: { kind: 'primitive', name: 'string' }, order: 1, isRequired: false, emitDefaultValue: false },
    ]);
    expect(r.code).toContain("Zed: { type: 'int', order: 0, isRequired: true },");
    expect(r.code).toContain("Alpha: { type: 'string', order: 1, emitDefaultValue: false },");
  });

  it('enums: 0, 1, 2… without annotations, and [Flags] as an xs:list (1, 2, 4…)', () => {
    const types = `<xs:simpleType name="Color"><xs:restriction base="xs:string"><xs:enumeration value="Red"/><xs:enumeration value="Green"/></xs:restriction></xs:simpleType>
      <xs:simpleType name="Access"><xs:list><xs:simpleType><xs:restriction base="xs:string">
        <xs:enumeration value="Read"/><xs:enumeration value="Write"/></xs:restriction></xs:simpleType></xs:list></xs:simpleType>`;
    const r = generate(wsdl(types, [{ name: 'Paint', request: el('c', 'd:Color') + el('a', 'd:Access'), reply: '' }]));
    expect(r.model.types).toEqual([
      { kind: 'enum', key: `{${DNS}}Color`, name: 'Color', namespace: DNS, members: [{ name: 'Red', value: 0 }, { name: 'Green', value: 1 }], flags: false },
      { kind: 'enum', key: `{${DNS}}Access`, name: 'Access', namespace: DNS, members: [{ name: 'Read', value: 1 }, { name: 'Write', value: 2 }], flags: true },
    ]);
    expect(r.code).toContain("members: ['Red', 'Green'],");
    expect(r.code).toContain('members: { Read: 1, Write: 2 },\n  flags: true,');
  });

  it('out and ref parameters, Actions other than the default, and faults as a comment', () => {
    const r = generate(
      wsdl('', [
        {
          name: 'Divide',
          request: el('a', 'xs:int') + el('counter', 'xs:int'),
          reply: el('DivideResult', 'xs:int') + el('remainder', 'xs:int') + el('counter', 'xs:int'),
          inputAction: 'urn:divide',
          outputAction: 'urn:divided',
          fault: true,
        },
      ]),
    );
    expect(r.model.contracts[0]?.operations[0]).toEqual({
      name: 'Divide',
      params: [
        { name: 'a', type: { kind: 'primitive', name: 'int' }, direction: 'in' },
        { name: 'counter', type: { kind: 'primitive', name: 'int' }, direction: 'ref' },
        { name: 'remainder', type: { kind: 'primitive', name: 'int' }, direction: 'out' },
      ],
      returns: { kind: 'primitive', name: 'int' },
      oneWay: false,
      action: 'urn:divide',
      replyAction: 'urn:divided',
      faults: ['MyFaultFault'],
    });
    expect(r.code).toContain('// Faults MyFaultFault:');
  });

  it('a [CollectionDataContract] dictionary with KeyName and ValueName, a list keeping the item name, and an element without a type', () => {
    const types = `<xs:complexType name="Scores">
        <xs:annotation><xs:appinfo><IsDictionary xmlns="http://schemas.microsoft.com/2003/10/Serialization/">true</IsDictionary></xs:appinfo></xs:annotation>
        <xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="Entry"><xs:complexType><xs:sequence>
          <xs:element name="Who" nillable="true" type="xs:string"/><xs:element name="Points" type="xs:int"/>
        </xs:sequence></xs:complexType></xs:element></xs:sequence>
      </xs:complexType>
      <xs:complexType name="Names"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="string" nillable="true" type="xs:string"/></xs:sequence></xs:complexType>`;
    const r = generate(wsdl(types, [{ name: 'Rank', request: el('s', 'd:Scores', ' nillable="true"') + el('n', 'd:Names', ' nillable="true"') + '<xs:element minOccurs="0" name="any"/>', reply: '' }]));
    expect(r.model.types).toEqual([
      {
        kind: 'dictionaryCollection', key: `{${DNS}}Scores`, name: 'Scores', namespace: DNS, itemName: 'Entry', keyName: 'Who', valueName: 'Points',
        keyType: { kind: 'primitive', name: 'string' }, value: { kind: 'primitive', name: 'int' },
      },
      { kind: 'collection', key: `{${DNS}}Names`, name: 'Names', namespace: DNS, itemName: undefined, item: { kind: 'primitive', name: 'string' } },
    ]);
    expect(r.model.contracts[0]?.operations[0]?.params[2]?.type).toEqual({ kind: 'primitive', name: 'object' });
    expect(r.code).toContain("export const Scores = defineCollectionContract({\n  name: 'Scores',\n  namespace: '" + DNS + "',\n  itemName: 'Entry',\n  keyName: 'Who',\n  valueName: 'Points',\n  key: 'string',\n  value: 'int',\n});");
    expect(r.code).toContain("export const Names = defineCollectionContract({\n  name: 'Names',\n  namespace: '" + DNS + "',\n  item: 'string',\n});");
  });

  it('xs:anyType and xs:QName parameters', () => {
    const r = generate(wsdl('', [{ name: 'Q', request: el('o', 'xs:anyType', ' nillable="true"') + el('q', 'xs:QName', ' nillable="true"'), reply: '' }]));
    expect(r.model.contracts[0]?.operations[0]?.params.map((p) => p.type)).toEqual([
      { kind: 'primitive', name: 'object' },
      { kind: 'primitive', name: 'qname' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Message contracts: IBank of packages/interop/csharp/MessageContracts.cs as .NET publishes it
// (fixtures/wsdl-import/message-contracts/bank.wsdl), and hand-written metadata in the same shapes.

const BANK = join(FIXTURES, 'message-contracts');
const BANK_NS = 'http://portshare.example/bank';

describe('importing message contracts (.NET\'s MessageContractExporter shapes)', () => {
  let result: ImportResult;

  beforeAll(async () => {
    result = await importWsdl(join(BANK, 'bank.wsdl'), { sourceLabel: 'bank.wsdl' });
  });

  it('generates the golden module: the message contracts, then the operation taking and returning them', () => {
    expect(result.fileName).toBe('IBank.ts');
    expect(result.code).toBe(readFileSync(join(BANK, 'IBank.ts'), 'utf8'));
  });

  it('headers from the soap12:header bindings, body members in wire order, a wrapper with its own name and namespace', () => {
    const [request, reply] = result.model.messageContracts;
    expect(request).toEqual({
      kind: 'messageContract',
      key: `{${BANK_NS}}TransferRequest ${BANK_NS}`,
      name: 'TransferRequest',
      wrapperName: undefined,
      wrapperNamespace: undefined,
      wrapped: true,
      headers: [
        { key: 'Id', name: 'Id', namespace: undefined, type: { kind: 'primitive', name: 'guid' }, order: undefined },
        { key: 'TenantName', name: 'TenantName', namespace: 'http://portshare.example/headers', type: { kind: 'primitive', name: 'string' }, order: undefined },
      ],
      body: [
        { key: 'From', name: 'From', namespace: undefined, type: { kind: 'named', key: '{http://portshare.example/parties}Party' }, order: undefined },
        { key: 'Note', name: 'Note', namespace: undefined, type: { kind: 'primitive', name: 'string' }, order: undefined },
        { key: 'Slots', name: 'Slots', namespace: undefined, type: { kind: 'array', item: { kind: 'primitive', name: 'int' } }, order: undefined },
        // Amount (Order = 2) comes after Slots although it sorts before it by name: it gets an order.
        { key: 'Amount', name: 'Amount', namespace: undefined, type: { kind: 'primitive', name: 'decimal' }, order: 1 },
      ],
    });
    // The reply's members are refs to elements of the contract namespace, inside a wrapper of another one.
    expect(reply).toMatchObject({ name: 'TransferResponse', wrapperName: 'TransferResult', wrapperNamespace: 'http://portshare.example/results', wrapped: true });
    expect(reply?.headers.map((h) => [h.name, h.type])).toEqual([['Receipt', { kind: 'primitive', name: 'long' }]]);
    expect(reply?.body.map((b) => [b.name, b.namespace, b.order])).toEqual([
      ['Accepted', undefined, undefined],
      ['Balance', undefined, undefined],
      ['Summary', undefined, undefined],
    ]);
    expect(result.model.contracts[0]?.operations[0]).toEqual({
      name: 'Transfer',
      params: [{ name: 'request', type: { kind: 'messageContract', key: request?.key }, direction: 'in' }],
      returns: { kind: 'messageContract', key: reply?.key },
      oneWay: false,
      action: undefined,
      replyAction: undefined,
      faults: [],
    });
  });
});

interface McMessage {
  readonly name: string;
  /** The body parts: `wrapped` is one `parameters` part of this wrapper element; otherwise element parts. */
  readonly wrapped?: string;
  readonly parts?: readonly string[];
  /** Header parts: [part name, element QName]. */
  readonly headers?: readonly (readonly [string, string])[];
}

interface McOperation {
  readonly name: string;
  readonly input: McMessage;
  readonly output?: McMessage;
  readonly headerUse?: string;
}

/** A WSDL with one contract IFoo on a SOAP 1.2 binding, its schemas `schemas` (inline xs:schema elements) and these operations. */
function mcWsdl(schemas: string, operations: readonly McOperation[]): string {
  const message = (m: McMessage): string =>
    `<wsdl:message name="${m.name}">${m.wrapped === undefined ? (m.parts ?? []).map((p) => `<wsdl:part name="${p.split(':').pop() ?? ''}" element="${p}"/>`).join('') : `<wsdl:part name="parameters" element="${m.wrapped}"/>`}</wsdl:message>` +
    (m.headers === undefined ? '' : `<wsdl:message name="${m.name}_Headers">${m.headers.map(([n, e]) => `<wsdl:part name="${n}" element="${e}"/>`).join('')}</wsdl:message>`);
  const bound = (m: McMessage, use: string): string =>
    (m.headers ?? []).map(([n]) => `<soap12:header message="tns:${m.name}_Headers" part="${n}" use="${use}"/>`).join('') + '<soap12:body use="literal"/>';
  const messages = operations.map((o) => message(o.input) + (o.output === undefined ? '' : message(o.output))).join('');
  const ports = operations
    .map(
      (o) =>
        `<wsdl:operation name="${o.name}"><wsdl:input wsaw:Action="${TNS}/IFoo/${o.name}" name="${o.input.name}" message="tns:${o.input.name}"/>` +
        (o.output === undefined ? '' : `<wsdl:output wsaw:Action="${TNS}/IFoo/${o.name}Response" name="${o.output.name}" message="tns:${o.output.name}"/>`) +
        '</wsdl:operation>',
    )
    .join('');
  const bindings = operations
    .map(
      (o) =>
        `<wsdl:operation name="${o.name}"><soap12:operation soapAction="${TNS}/IFoo/${o.name}" style="document"/>` +
        `<wsdl:input name="${o.input.name}">${bound(o.input, o.headerUse ?? 'literal')}</wsdl:input>` +
        (o.output === undefined ? '' : `<wsdl:output name="${o.output.name}">${bound(o.output, 'literal')}</wsdl:output>`) +
        '</wsdl:operation>',
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions targetNamespace="${TNS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl" xmlns:tns="${TNS}"
    xmlns:h="urn:headers" xmlns:ser="http://schemas.microsoft.com/2003/10/Serialization/">
  <wsdl:types>${schemas}
    <xs:schema elementFormDefault="qualified" targetNamespace="http://schemas.microsoft.com/2003/10/Serialization/">
      <xs:simpleType name="guid"><xs:restriction base="xs:string"/></xs:simpleType>
    </xs:schema>
  </wsdl:types>
  ${messages}
  <wsdl:portType name="IFoo">${ports}</wsdl:portType>
  <wsdl:binding name="NetTcpBinding_IFoo" type="tns:IFoo"><soap12:binding transport="http://schemas.microsoft.com/soap/tcp"/>${bindings}</wsdl:binding>
</wsdl:definitions>`;
}

/** The contract namespace's schema: the Ping text, the Seq and Id headers, the Ticket wrapper and CountResponse. */
const MC_SCHEMAS = `
    <xs:schema elementFormDefault="qualified" targetNamespace="${TNS}">
      <xs:element name="Text" nillable="true" type="xs:string"/>
      <xs:element name="Seq" type="xs:int"/>
      <xs:element name="Id" type="ser:guid"/>
      <xs:element name="Ticket"><xs:complexType><xs:sequence>
        <xs:element minOccurs="0" name="Seq" type="xs:int"/><xs:element minOccurs="0" name="Amount" type="xs:decimal"/><xs:element minOccurs="0" name="Zone" type="xs:int"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="Count"><xs:complexType><xs:sequence/></xs:complexType></xs:element>
      <xs:element name="CountResponse"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="CountResult" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="ZoneResponse"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="ZoneResult" type="xs:int"/><xs:element minOccurs="0" name="extra" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
    </xs:schema>
    <xs:schema elementFormDefault="qualified" targetNamespace="urn:headers">
      <xs:element name="Seq" type="xs:long"/>
    </xs:schema>`;

const PING: McMessage = { name: 'PingMessage', parts: ['tns:Text'], headers: [['Seq', 'tns:Seq']] };
const TICKET: McMessage = { name: 'Ticket', wrapped: 'tns:Ticket', headers: [['Id', 'tns:Id'], ['Seq', 'h:Seq']] };

describe('mapping message contracts', () => {
  it('an unwrapped contract (IsWrapped = false) with a header and one body member', () => {
    const r = generate(mcWsdl(MC_SCHEMAS, [{ name: 'Ping', input: PING, output: PING }]));
    expect(r.model.messageContracts).toEqual([
      {
        kind: 'messageContract',
        key: `{${TNS}}PingMessage ${TNS}`,
        name: 'PingMessage',
        wrapperName: undefined,
        wrapperNamespace: undefined,
        wrapped: false,
        headers: [{ key: 'Seq', name: 'Seq', namespace: undefined, type: { kind: 'primitive', name: 'int' }, order: undefined }],
        body: [{ key: 'Text', name: 'Text', namespace: undefined, type: { kind: 'primitive', name: 'string' }, order: undefined }],
      },
    ]);
    expect(r.code).toContain(
      "/** Message contract PingMessage ([MessageContract(IsWrapped = false)]). */\nexport const PingMessage = defineMessageContract({\n  name: 'PingMessage',\n  wrapped: false,\n  headers: {\n    Seq: 'int',\n  },\n  body: {\n    Text: 'string',\n  },\n});\nexport type PingMessage = MessageOf<typeof PingMessage>;",
    );
    expect(r.code).toContain("    Ping: { params: [['request', PingMessage]], returns: PingMessage },");
  });

  it('a header and a body member of one name in two namespaces get two keys; the operation\'s other message void or parameterless', () => {
    const r = generate(
      mcWsdl(MC_SCHEMAS, [
        { name: 'Notify', input: TICKET, output: { name: 'IFoo_Notify_OutputMessage' } },
        { name: 'Status', input: { name: 'IFoo_Status_InputMessage' }, output: TICKET },
        { name: 'Fire', input: TICKET },
      ]),
    );
    const [ticket] = r.model.messageContracts;
    expect(r.model.messageContracts).toHaveLength(1);
    expect(ticket?.headers.map((h) => [h.key, h.name, h.namespace])).toEqual([
      ['Id', 'Id', undefined],
      ['Seq', 'Seq', 'urn:headers'],
    ]);
    // Seq, Amount, Zone: Amount sorts before Seq by name, so Seq keeps no Order and the rest get 1, 2.
    expect(ticket?.body.map((b) => [b.key, b.name, b.order])).toEqual([
      ['Seq2', 'Seq', undefined],
      ['Amount', 'Amount', 1],
      ['Zone', 'Zone', 2],
    ]);
    expect(r.code).toContain("    Seq2: { type: 'int', name: 'Seq' },\n    Amount: { type: 'decimal', order: 1 },\n    Zone: { type: 'int', order: 2 },");
    const ops = r.model.contracts[0]?.operations ?? [];
    expect(ops.map((o) => [o.name, o.params.map((p) => p.type.kind), o.returns?.kind, o.oneWay])).toEqual([
      ['Notify', ['messageContract'], undefined, false],
      ['Status', [], 'messageContract', false],
      ['Fire', ['messageContract'], undefined, true],
    ]);
  });

  it('a message contract beside the operation\'s own wrapper, and an empty message alone as an empty contract', () => {
    const r = generate(
      mcWsdl(MC_SCHEMAS, [
        { name: 'Count', input: TICKET, output: { name: 'IFoo_Count_OutputMessage', wrapped: 'tns:CountResponse' } },
        { name: 'Open', input: { name: 'IFoo_Open_InputMessage', wrapped: 'tns:Count' }, output: TICKET },
        { name: 'Nothing', input: { name: 'Empty' } },
      ]),
    );
    const ops = r.model.contracts[0]?.operations ?? [];
    expect(ops[0]).toMatchObject({ params: [{ name: 'request', type: { kind: 'messageContract' } }], returns: { kind: 'primitive', name: 'int' } });
    // `Open` has the element `Count` as its request: not its own wrapper, so a message contract too.
    expect(ops[1]?.params[0]?.type.kind).toBe('messageContract');
    expect(r.model.messageContracts.find((m) => m.name === 'Empty')).toMatchObject({ wrapped: false, headers: [], body: [] });
    expect(r.code).toContain("export const Empty = defineMessageContract({\n  name: 'Empty',\n  wrapped: false,\n});");
  });
});

describe('refusing message contracts contracts cannot express', () => {
  it('an unwrapped contract with two body members', () => {
    const err = refusal(mcWsdl(MC_SCHEMAS, [{ name: 'Two', input: { name: 'TwoParts', parts: ['tns:Text', 'tns:Seq'] } }]));
    expect(err.code).toBe('SOAP_ERR_IMPORT_UNSUPPORTED');
    expect(err.message).toBe(
      "The input message 'TwoParts' of IFoo.Two is an unwrapped message contract (IsWrapped = false) with 2 body members: contracts take at most one body member in an unwrapped message contract; make the [MessageContract] wrapped in the service, or declare the operation by hand.",
    );
  });

  it('an encoded header, and a message contract request whose reply has out parameters', () => {
    expect(refusal(mcWsdl(MC_SCHEMAS, [{ name: 'Enc', input: PING, headerUse: 'encoded' }])).message).toMatch(/^A SOAP header of IFoo\.Enc is SOAP-encoded \(use="encoded"\): /);
    const err = refusal(mcWsdl(MC_SCHEMAS, [{ name: 'Zone', input: TICKET, output: { name: 'IFoo_Zone_OutputMessage', wrapped: 'tns:ZoneResponse' } }]));
    expect(err.message).toMatch(/^The request of IFoo\.Zone is a message contract and its reply has out parameters \('extra'\): WCF refuses that signature/);
  });
});

describe('refusing what contracts cannot express (SOAP_ERR_IMPORT_UNSUPPORTED)', () => {
  it('an xs:choice in a data contract names the type and says what to do', () => {
    const types = `<xs:complexType name="Shape"><xs:choice><xs:element name="Circle" type="xs:int"/><xs:element name="Square" type="xs:int"/></xs:choice></xs:complexType>`;
    const err = refusal(wsdl(types, [{ name: 'Draw', request: el('shape', 'd:Shape'), reply: '' }]));
    expect(err.code).toBe('SOAP_ERR_IMPORT_UNSUPPORTED');
    expect(err.message).toBe(
      `The type 'Shape' (namespace '${DNS}') uses xs:choice: contracts model [DataContract] classes (sequences of elements); declare it by hand.`,
    );
  });

  it('a type from a namespace no schema defines names the parameter and the operation', () => {
    const err = refusal(wsdl('', [{ name: 'Send', request: `<xs:element minOccurs="0" name="doc" xmlns:o="urn:other" type="o:Document"/>`, reply: '' }]));
    expect(err.code).toBe('SOAP_ERR_IMPORT_UNSUPPORTED');
    expect(err.message).toMatch(/^parameter 'doc' of IFoo\.Send uses the type 'Document' from the namespace 'urn:other', which no schema of the service defines: /);
  });

  it('an XSD type the SDK has no type for (xs:gYear, xs:NOTATION) names the member', () => {
    const types = `<xs:complexType name="Box"><xs:sequence>${el('Content', 'xs:gYear')}</xs:sequence></xs:complexType>`;
    const err = refusal(wsdl(types, [{ name: 'Put', request: el('box', 'd:Box'), reply: '' }]));
    expect(err.message).toMatch(/^member 'Box\.Content' uses the type 'gYear' \(namespace 'http:\/\/www\.w3\.org\/2001\/XMLSchema'\), which contracts have no type for: /);
    expect(refusal(wsdl('', [{ name: 'Q', request: el('q', 'xs:NOTATION'), reply: '' }])).message).toMatch(/^parameter 'q' of IFoo\.Q uses the type 'NOTATION'/);
  });

  it('derivation by restriction or from a non-contract, recursion and an rpc-style message', () => {
    const restricted = `<xs:complexType name="Base"><xs:sequence/></xs:complexType>
      <xs:complexType name="Derived"><xs:complexContent mixed="false"><xs:restriction base="d:Base"><xs:sequence/></xs:restriction></xs:complexContent></xs:complexType>`;
    expect(refusal(wsdl(restricted, [{ name: 'D', request: el('x', 'd:Derived'), reply: '' }])).message).toMatch(/^The type 'Derived' .* derives by restriction, not by extension of a data contract/);
    const fromArray = `<xs:complexType name="Derived"><xs:complexContent mixed="false"><xs:extension base="arr:ArrayOfint"><xs:sequence/></xs:extension></xs:complexContent></xs:complexType>`;
    expect(refusal(wsdl(fromArray, [{ name: 'D', request: el('x', 'd:Derived'), reply: '' }])).message).toMatch(/^The type 'Derived' .* extends 'arr:ArrayOfint', which is not a data contract/);
    const node = `<xs:complexType name="Node"><xs:sequence>${el('Next', 'd:Node', ' nillable="true"')}</xs:sequence></xs:complexType>`;
    expect(refusal(wsdl(node, [{ name: 'N', request: el('n', 'd:Node'), reply: '' }])).message).toMatch(/^member 'Node\.Next' uses the type 'Node' .* recursive data contract/);
    const rpc = wsdl('', [{ name: 'R', request: '', reply: '' }]).replace('<wsdl:part name="parameters" element="tns:R"/>', '<wsdl:part name="a" type="xs:int"/>');
    expect(refusal(rpc).message).toMatch(/^The input message 'IFoo_R_In' of IFoo\.R has the part 'a' declared by type \(rpc style or XmlSerializerFormat\): /);
  });

  it('a WSDL without a portType', () => {
    const xml = '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:x"/>';
    expect(refusal(xml).code).toBe('SOAP_ERR_IMPORT_UNSUPPORTED');
  });
});

describe('reading documents (SOAP_ERR_IMPORT_FAILED)', () => {
  let server: Awaited<ReturnType<typeof listenHttp>>;
  let base = '';

  beforeAll(async () => {
    server = await listenHttp((req, res) => {
      if (req.url === '/huge') {
        // An endless body: the reader must stop at the size limit.
        res.writeHead(200, { 'content-type': 'text/xml' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (res.write(chunk)) {
            /* keep writing until the socket pushes back */
          }
          res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      } else if (req.url === '/slow') {
        // Never answers.
      } else if (req.url === '/local') {
        res.end(`<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"><wsdl:import namespace="urn:x" location="file:///etc/passwd"/></wsdl:definitions>`);
      } else {
        res.writeHead(404).end();
      }
    });
    base = server.base;
  });

  afterAll(() => server.close());

  const failure = async (p: Promise<unknown>): Promise<SoapError> => {
    const e = await p.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(SoapError);
    return e as SoapError;
  };

  it('stops reading a body at the size limit', async () => {
    const err = await failure(loadDocuments(`${base}/huge`, { maxDocumentBytes: 1024 * 1024 }));
    expect(err.code).toBe('SOAP_ERR_IMPORT_FAILED');
    expect(err.message).toContain('is larger than 1048576 bytes');
  });

  it('gives up after the timeout', async () => {
    const err = await failure(loadDocuments(`${base}/slow`, { timeoutMs: 300 }));
    expect(err.message).toBe(`GET ${base}/slow took longer than 300 ms.`);
  });

  it('an HTTP status other than 2xx, and a remote document that references a local file', async () => {
    expect((await failure(loadDocuments(`${base}/missing`))).message).toBe(`GET ${base}/missing answered 404 Not Found.`);
    expect((await failure(loadDocuments(`${base}/local`))).message).toContain('references the local file file:///etc/passwd');
  });

  it('a document that is not well-formed XML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsdl-import-'));
    try {
      writeFileSync(join(dir, 'bad.wsdl'), '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">');
      const err = await failure(loadDocuments(join(dir, 'bad.wsdl')));
      expect(err.code).toBe('SOAP_ERR_IMPORT_FAILED');
      expect(err.message).toContain('is not well-formed XML');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the command line', () => {
  const run = async (...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
    return { code, out, err };
  };

  it('writes the module into --out and prints its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsdl-import-'));
    try {
      const r = await run('import', WSDL, '--out', dir);
      expect(r).toEqual({ code: 0, out: [join(dir, 'IInventory.ts')], err: [] });
      expect(readFileSync(join(dir, 'IInventory.ts'), 'utf8')).toContain('export function createInventoryClient(');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('usage errors exit 2, import errors exit 1 with the code', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('import')).code).toBe(2);
    expect((await run('import', WSDL, '--timeout', 'soon')).code).toBe(2);
    const missing = await run('import', join(FIXTURES, 'no-such.wsdl'));
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toMatch(/^SOAP_ERR_IMPORT_FAILED: Cannot read file:\/\//);
  });
});
