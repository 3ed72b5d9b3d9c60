// What MessageContracts.cs's IBank peer sends, answers and prints, for the tests that talk to it:
// message-contract.int.test.ts (hand-written contracts) and wsdl-import.int.test.ts (contracts
// generated from IBank's metadata). Values print in MessageContracts.cs's canonical form (Describe),
// so both sides' lines compare exactly.

/** TransferRequest's value: its headers (Id, Tenant) and body members. */
export interface TransferRequestValue {
  Id: string;
  Tenant: string | null;
  Note: string | null;
  Amount: string;
  Slots: number[] | null;
  From: { Name: string | null; Account: number } | null;
}

/** TransferResponse's value: its header (Receipt) and body members. */
export interface TransferResponseValue {
  Receipt: bigint;
  Accepted: boolean;
  Balance: string;
  Summary: string | null;
}

/** PingRequest's value (unwrapped): its header Seq and its body member Text. */
export interface PingRequestValue {
  Seq: number;
  Text: string | null;
}

/** PingReply's value (unwrapped): its header Echoed and its body member Who. */
export interface PingReplyValue {
  Echoed: bigint;
  Who: { Name: string | null; Account: number } | null;
}

/** MessageContracts.cs's Text: null, or the string quoted with non-ASCII UTF-16 units as \uXXXX. */
export function text(s: string | null): string {
  if (s === null) return 'null';
  return `'${[...s].map((c) => (c.charCodeAt(0) < 128 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('')}'`;
}

function describeParty(p: { Name: string | null; Account: number } | null): string {
  return p === null ? 'null' : `Party{Name=${text(p.Name)},Account=${p.Account}}`;
}

export function describeRequest(r: TransferRequestValue): string {
  const from = describeParty(r.From);
  return `TransferRequest{Id=${r.Id},Tenant=${text(r.Tenant)},Note=${text(r.Note)},Amount=${r.Amount},Slots=${r.Slots === null ? 'null' : `[${r.Slots.join(',')}]`},From=${from}}`;
}

export function describeResponse(r: TransferResponseValue): string {
  return `TransferResponse{Receipt=${r.Receipt},Accepted=${r.Accepted},Balance=${r.Balance},Summary=${text(r.Summary)}}`;
}

/** MessageContracts.cs's Answer: the reply both services give. */
export function answer(r: TransferRequestValue): TransferResponseValue {
  return {
    Receipt: 9007199254740993n + BigInt(r.Slots === null ? -1 : r.Slots.length),
    Accepted: r.Note !== null,
    Balance: r.Amount.startsWith('-') ? r.Amount.slice(1) : `-${r.Amount}`,
    Summary: `${r.From === null ? 'nobody' : (r.From.Name ?? '')}|${r.Id}|${r.Tenant ?? 'none'}`,
  };
}

export function describePing(r: PingRequestValue): string {
  return `PingRequest{Seq=${r.Seq},Text=${text(r.Text)}}`;
}

export function describePingReply(r: PingReplyValue): string {
  return `PingReply{Echoed=${r.Echoed},Who=${describeParty(r.Who)}}`;
}

/** MessageContracts.cs's Answer to a ping. */
export function answerPing(r: PingRequestValue): PingReplyValue {
  return { Echoed: 2n * BigInt(r.Seq), Who: r.Text === null ? null : { Name: `${r.Text}!`, Account: -r.Seq } };
}

/** What MessageContracts.cs's client sends, in order. */
export const FULL: TransferRequestValue = {
  Id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  Tenant: 'acme ✓',
  Note: 'rent',
  Amount: '1234.50',
  Slots: [1, -2, 2147483647],
  From: { Name: 'Ann', Account: 42 },
};
export const SPARSE: TransferRequestValue = { Id: '00000000-0000-0000-0000-000000000001', Tenant: null, Note: null, Amount: '-0.001', Slots: null, From: null };

export const PINGS: readonly PingRequestValue[] = [
  { Seq: 21, Text: 'hi ✓' },
  { Seq: -1, Text: null },
];

/** What MessageContracts.cs's service prints for the calls its client makes. */
export const RECEIVED_LINES = [...[FULL, SPARSE].map((r) => `recv Transfer ${describeRequest(r)}`), ...PINGS.map((r) => `recv Ping ${describePing(r)}`)];

/** The lines MessageContracts.cs's client prints when the service answers as its own does. */
export const MONO_CLIENT_LINES = [
  ...[FULL, SPARSE].flatMap((r) => [`sent Transfer ${describeRequest(r)}`, `Transfer ${describeResponse(answer(r))}`]),
  ...PINGS.flatMap((r) => [`sent Ping ${describePing(r)}`, `Ping ${describePingReply(answerPing(r))}`]),
];
