/**
 * Writes an ImportModel as one TypeScript module: the enums, collection and data contracts in
 * dependency order (`defineEnum`, `defineCollectionContract`, `defineDataContract`, each with its
 * value type; a base before the contracts derived from it), the message contracts
 * (`defineMessageContract` and its `MessageOf` type), then per service contract a
 * `defineContract` and a client factory over `createClient` (client.ts). The text is stable for
 * the same metadata, so it can be kept in a repository and compared.
 *
 * @module
 */

import type {
  CollectionModel,
  ContractModel,
  DataContractModel,
  EnumModel,
  ImportModel,
  MemberModel,
  MessageContractModel,
  MessagePartModel,
  NamedTypeModel,
  OperationModel,
  PartTypeModel,
} from './model.js';

/** Names the module imports from @portshare/soap; generated declarations must not take them. */
const SDK_NAMES = [
  'arrayOf',
  'createClient',
  'DateTimeOffset',
  'defineCollectionContract',
  'defineContract',
  'defineDataContract',
  'defineEnum',
  'defineMessageContract',
  'dictionaryOf',
  'nullable',
  'ClientOptions',
  'ClientProxy',
  'InstanceOf',
  'MessageChannel',
  'MessageOf',
  'TypeRef',
] as const;

const TYPE_ONLY: ReadonlySet<string> = new Set(['ClientOptions', 'ClientProxy', 'InstanceOf', 'MessageChannel', 'MessageOf', 'TypeRef']);

export interface EmitOptions {
  /** Where the metadata came from, named in the header. */
  readonly source: string;
}

export function emitModule(model: ImportModel, options: EmitOptions): string {
  const names = declarationNames(model);
  const used = new Set<string>();
  const body: string[] = [];
  for (const t of model.types) body.push(emitNamed(t, names, used));
  for (const m of model.messageContracts) body.push(emitMessageContract(m, names, used));
  for (const c of model.contracts) body.push(emitContract(c, names, used));
  const header = [
    `// Service contracts imported from ${options.source} by \`portshare-soap import\`.`,
    '// Run the import again rather than editing: changes here are lost when it is.',
  ];
  return `${[header.join('\n'), emitImports(used), ...body].join('\n\n')}\n`;
}

/** Unique TypeScript identifiers for the named types and message contracts: the name, made an identifier, numbered on clashes. */
function declarationNames(model: ImportModel): Map<string, string> {
  const taken = new Set<string>([...SDK_NAMES, ...model.contracts.map((c) => identifier(c.name)), ...model.contracts.map(clientFactoryName)]);
  const names = new Map<string, string>();
  for (const t of [...model.types, ...model.messageContracts]) {
    const base = identifier(t.name);
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    taken.add(name);
    names.set(t.key, name);
  }
  return names;
}

function identifier(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_$]/g, '_');
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

export function clientFactoryName(contract: ContractModel): string {
  return `create${identifier(contract.name.replace(/^I(?=[A-Z])/, ''))}Client`;
}

function emitImports(used: ReadonlySet<string>): string {
  const list = SDK_NAMES.filter((n) => used.has(n))
    .map((n) => (TYPE_ONLY.has(n) ? `type ${n}` : n))
    .sort((a, b) => Number(a.startsWith('type ')) - Number(b.startsWith('type ')) || a.localeCompare(b));
  return `import {\n${list.map((n) => `  ${n},`).join('\n')}\n} from '@portshare/soap';`;
}

function emitNamed(t: NamedTypeModel, names: ReadonlyMap<string, string>, used: Set<string>): string {
  switch (t.kind) {
    case 'enum':
      return emitEnum(t, names, used);
    case 'dataContract':
      return emitDataContract(t, names, used);
    case 'collection':
    case 'dictionaryCollection':
      return emitCollection(t, names, used);
  }
}

function emitEnum(t: EnumModel, names: ReadonlyMap<string, string>, used: Set<string>): string {
  used.add('defineEnum');
  const name = names.get(t.key) ?? t.name;
  const sequential = t.members.every((m, i) => m.value === (t.flags ? 2 ** i : i));
  const members =
    sequential && !t.flags
      ? `[${t.members.map((m) => str(m.name)).join(', ')}]`
      : `{ ${t.members.map((m) => `${key(m.name)}: ${m.value}`).join(', ')} }`;
  const lines = [`  name: ${str(t.name)},`, `  namespace: ${str(t.namespace)},`, `  members: ${members},`];
  if (t.flags) lines.push('  flags: true,');
  return [`/** Enum ${t.name}${t.flags ? ' ([Flags])' : ''}. */`, `export const ${name} = defineEnum({`, ...lines, '});'].join('\n');
}

function emitDataContract(t: DataContractModel, names: ReadonlyMap<string, string>, used: Set<string>): string {
  used.add('defineDataContract');
  used.add('InstanceOf');
  const name = names.get(t.key) ?? t.name;
  const members = t.members.map((m) => `    ${key(m.name)}: ${emitMember(m, names, used)},`);
  const lines = [`  name: ${str(t.name)},`, `  namespace: ${str(t.namespace)},`];
  if (t.base !== undefined) lines.push(`  base: ${names.get(t.base) ?? t.base},`);
  lines.push(members.length === 0 ? '  members: {},' : `  members: {\n${members.join('\n')}\n  },`);
  if (t.knownTypes.length > 0) {
    // The derived contracts are declared after this one (they name it as their base), hence a
    // function; its return type is annotated because TypeScript cannot infer a type that refers to itself.
    used.add('TypeRef');
    lines.push(`  knownTypes: (): readonly TypeRef[] => [${t.knownTypes.map((k) => names.get(k) ?? k).join(', ')}],`);
  }
  return [`/** Data contract ${t.name}${t.base === undefined ? '' : ' (derived)'}. */`, `export const ${name} = defineDataContract({`, ...lines, '});', `export type ${name} = InstanceOf<typeof ${name}>;`].join('\n');
}

function emitCollection(t: CollectionModel, names: ReadonlyMap<string, string>, used: Set<string>): string {
  used.add('defineCollectionContract');
  const name = names.get(t.key) ?? t.name;
  const lines = [`  name: ${str(t.name)},`, `  namespace: ${str(t.namespace)},`];
  if (t.kind === 'collection') {
    if (t.itemName !== undefined) lines.push(`  itemName: ${str(t.itemName)},`);
    lines.push(`  item: ${emitType(t.item, names, used)},`);
  } else {
    lines.push(`  itemName: ${str(t.itemName)},`);
    if (t.keyName !== 'Key') lines.push(`  keyName: ${str(t.keyName)},`);
    if (t.valueName !== 'Value') lines.push(`  valueName: ${str(t.valueName)},`);
    lines.push(`  key: ${emitType(t.keyType, names, used)},`, `  value: ${emitType(t.value, names, used)},`);
  }
  return [`/** Collection contract ${t.name} ([CollectionDataContract]). */`, `export const ${name} = defineCollectionContract({`, ...lines, '});'].join('\n');
}

function emitMessageContract(m: MessageContractModel, names: ReadonlyMap<string, string>, used: Set<string>): string {
  used.add('defineMessageContract');
  used.add('MessageOf');
  const name = names.get(m.key) ?? m.name;
  const lines = [`  name: ${str(m.name)},`];
  if (m.wrapperName !== undefined) lines.push(`  wrapperName: ${str(m.wrapperName)},`);
  if (m.wrapperNamespace !== undefined) lines.push(`  namespace: ${str(m.wrapperNamespace)},`);
  if (!m.wrapped) lines.push('  wrapped: false,');
  const parts = (label: string, list: readonly MessagePartModel[]): void => {
    if (list.length > 0) lines.push(`  ${label}: {\n${list.map((p) => `    ${key(p.key)}: ${emitPart(p, names, used)},`).join('\n')}\n  },`);
  };
  parts('headers', m.headers);
  parts('body', m.body);
  const what = m.wrapped ? '[MessageContract]' : '[MessageContract(IsWrapped = false)]';
  return [`/** Message contract ${m.name} (${what}). */`, `export const ${name} = defineMessageContract({`, ...lines, '});', `export type ${name} = MessageOf<typeof ${name}>;`].join('\n');
}

function emitPart(p: MessagePartModel, names: ReadonlyMap<string, string>, used: Set<string>): string {
  const type = emitType(p.type, names, used);
  const options: string[] = [];
  if (p.name !== p.key) options.push(`name: ${str(p.name)}`);
  if (p.namespace !== undefined) options.push(`namespace: ${str(p.namespace)}`);
  if (p.order !== undefined) options.push(`order: ${p.order}`);
  return options.length === 0 ? type : `{ type: ${type}, ${options.join(', ')} }`;
}

function emitMember(m: MemberModel, names: ReadonlyMap<string, string>, used: Set<string>): string {
  const type = emitType(m.type, names, used);
  const options: string[] = [];
  if (m.order !== undefined) options.push(`order: ${m.order}`);
  if (m.isRequired) options.push('isRequired: true');
  if (!m.emitDefaultValue) options.push('emitDefaultValue: false');
  return options.length === 0 ? type : `{ type: ${type}, ${options.join(', ')} }`;
}

function emitType(t: PartTypeModel, names: ReadonlyMap<string, string>, used: Set<string>): string {
  switch (t.kind) {
    case 'primitive':
      return str(t.name);
    case 'array':
      used.add('arrayOf');
      return `arrayOf(${emitType(t.item, names, used)})`;
    case 'nullable':
      used.add('nullable');
      return `nullable(${emitType(t.item, names, used)})`;
    case 'dictionary':
      used.add('dictionaryOf');
      return `dictionaryOf(${emitType(t.key, names, used)}, ${emitType(t.value, names, used)})`;
    case 'dateTimeOffset':
      used.add('DateTimeOffset');
      return 'DateTimeOffset';
    case 'named':
    case 'messageContract':
      return names.get(t.key) ?? t.key;
  }
}

function emitContract(c: ContractModel, names: ReadonlyMap<string, string>, used: Set<string>): string {
  used.add('defineContract');
  used.add('createClient');
  used.add('ClientOptions');
  used.add('ClientProxy');
  used.add('MessageChannel');
  const name = identifier(c.name);
  const ops = c.operations.flatMap((op) => emitOperation(op, names, used));
  const factory = clientFactoryName(c);
  return [
    `/** Service contract ${c.name}. */`,
    `export const ${name} = defineContract({`,
    `  name: ${str(c.name)},`,
    `  namespace: ${str(c.namespace)},`,
    ops.length === 0 ? '  operations: {},' : `  operations: {\n${ops.join('\n')}\n  },`,
    '});',
    '',
    `/** A typed client of ${c.name} over a session (a net.tcp channel): \`createClient(${name}, channel, options)\`. */`,
    `export function ${factory}(channel: MessageChannel, options?: ClientOptions<typeof ${name}>): ClientProxy<typeof ${name}> {`,
    `  return createClient(${name}, channel, options);`,
    '}',
  ].join('\n');
}

function emitOperation(op: OperationModel, names: ReadonlyMap<string, string>, used: Set<string>): string[] {
  const fields: string[] = [];
  if (op.params.length > 0) {
    const params = op.params.map((p) => {
      const type = emitType(p.type, names, used);
      return p.direction === 'in' ? `[${str(p.name)}, ${type}]` : `[${str(p.name)}, ${type}, { direction: '${p.direction}' }]`;
    });
    fields.push(`params: [${params.join(', ')}]`);
  }
  if (op.returns !== undefined) fields.push(`returns: ${emitType(op.returns, names, used)}`);
  if (op.oneWay) fields.push('oneWay: true');
  if (op.action !== undefined) fields.push(`action: ${str(op.action)}`);
  if (op.replyAction !== undefined) fields.push(`replyAction: ${str(op.replyAction)}`);
  const lines: string[] = [];
  if (op.faults.length > 0) {
    // Typed fault details are not imported: FaultException still carries them as `detailElement`.
    lines.push(`    // Faults ${op.faults.join(', ')}: declare their detail contracts in \`faults\` by hand to read them typed.`);
  }
  lines.push(`    ${key(op.name)}: { ${fields.join(', ')} },`.replace('{  }', '{}'));
  return lines;
}

/** A single-quoted string literal. */
function str(s: string): string {
  return `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** An object key: bare when it is an identifier, quoted otherwise. */
function key(s: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(s) ? s : str(s);
}

