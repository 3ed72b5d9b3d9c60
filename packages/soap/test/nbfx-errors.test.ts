import { describe, expect, it } from 'vitest';
import { SoapErrorCodes, type SoapErrorCode } from '../src/errors.js';
import { codeOf } from './support/errors.js';
import { readNbfx } from '../src/nbfx-reader.js';
import { SessionDictionary } from '../src/session-dictionary.js';
import { hex } from './support/fixtures.js';

const M = SoapErrorCodes.MALFORMED;

/** Malformed documents and the code each must raise ([MC-NBFX] 2; docs/protocol.md §13, §18). */
const CASES: [string, string, SoapErrorCode][] = [
  ['record 0x00 (reserved ProcessingInstruction)', '00', M],
  ['reserved element record 0x78', '78 01 61', M],
  ['reserved text record 0xA5', '40 01 78 a5', M],
  ['reserved text record 0xA7', '40 01 78 a7', M],
  ['record 0xBE', '40 01 78 be', M],
  ['record 0xFF', 'ff', M],
  ['attribute record at the top level', '04 01 61 98 00', M],
  ['text outside any element', '98 01 61', M],
  ['EndElement with nothing open', '01', M],
  ['element never closed', '40 01 78 40 01 79 01', M],
  ['truncated element name', '40 05 61 62', M],
  ['truncated Chars8 text', '40 01 78 98 05 61 62', M],
  ['truncated Int32 text', '40 01 78 8c 01 02', M],
  ['invalid UTF-8 in a name', '40 02 c3 28 01', M],
  ['invalid UTF-8 in text', '40 01 78 98 01 ff 01', M],
  ['MB31 whose fifth byte uses more than 3 bits', '40 ff ff ff ff 08', M],
  ['MB31 cut short', '42 80', M],
  ['undefined static dictionary id', '42 ce 07 01', SoapErrorCodes.UNDEFINED_DICTIONARY_ID],
  ['session id without a session', '42 01 01', SoapErrorCodes.UNDEFINED_DICTIONARY_ID],
  ['undeclared element prefix', '5f 01 78 01', SoapErrorCodes.UNDECLARED_PREFIX],
  ['undeclared attribute prefix', '40 01 78 27 01 61 98 00 01', SoapErrorCodes.UNDECLARED_PREFIX],
  ['element with the reserved prefix xmlns', '41 05 78 6d 6c 6e 73 01 61 01', M],
  ['attribute value with EndElement', '40 01 78 04 01 61 99 00 01', M],
  ['attribute value that is not text', '40 01 78 04 01 61 40 01 79 01', M],
  ['attribute value missing', '40 01 78 04 01 61', M],
  ['prefix declared twice on one element', '40 01 78 09 01 70 01 61 09 01 70 01 62 01', M],
  ['attribute given twice', '40 01 78 04 01 61 80 04 01 61 82 01', M],
  ['prefix bound to the empty namespace', '40 01 78 09 01 70 00 01', M],
  ['declaring the xmlns prefix', '40 01 78 09 05 78 6d 6c 6e 73 01 61 01', M],
  ['Array not followed by an element', '03 98 00', M],
  ['Array element without EndElement', '03 40 01 61 8d 01 00 00 00 00', M],
  ['Array with count 0', '03 40 01 61 01 8d 00', M],
  ['Array with a non-array item type', '03 40 01 61 01 99 01 00', M],
  ['Array longer than the payload', '03 40 01 61 01 8d 03 01 00 00 00', M],
  ['Array bool item other than 0/1', '03 40 01 61 01 b5 01 02', M],
  ['BoolText other than 0/1', '40 01 78 b5 02', M],
  ['QNameDictionaryText prefix index 26', '40 01 78 bd 1a 02', M],
  ['DecimalText with a scale above 28', '40 01 78 95 00 00 1d 00 00 00 00 00 01 00 00 00 00 00 00 00', M],
  ['DecimalText with stray flag bits', '40 01 78 95 01 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00', M],
  ['DateTimeText past DateTime.MaxValue', '40 01 78 97 ff ff ff ff ff ff ff 3f', M],
  ['Chars32Text with a negative length', '40 01 78 9d ff ff ff ff', M],
  ['Bytes32Text with a negative length', '40 01 78 a3 ff ff ff ff', M],
  ['UnicodeChars8Text with an odd length', '40 01 78 b7 03 61 00 62', M],
  ['unpaired surrogate in UnicodeChars', '40 01 78 b7 02 00 d8', M],
  ['nested StartListText', '40 01 78 04 01 61 a4 a4 a6 a6 01', M],
  ['EndListText without StartListText', '40 01 78 a6 01', M],
  ['list item with EndElement', '40 01 78 04 01 61 a4 81 a6 01', M],
  ['list never ended', '40 01 78 04 01 61 a4 80', M],
];

describe('malformed binary XML raises SoapError with a stable code', () => {
  for (const [name, bytes, code] of CASES) {
    it(name, () => {
      expect(codeOf(() => readNbfx(hex(bytes)))).toBe(code);
    });
  }

  it('session ids that were never defined', () => {
    const s = new SessionDictionary();
    s.readStringTable(hex('02 01 61'));
    expect(readNbfx(hex('42 01 01'), { session: s })).toHaveLength(1);
    expect(codeOf(() => readNbfx(hex('42 03 01'), { session: s }))).toBe(SoapErrorCodes.UNDEFINED_DICTIONARY_ID);
  });
});

describe('StringTable errors ([MC-NBFSE] 2.1)', () => {
  it('a size larger than the payload, a string overrunning the table, invalid UTF-8', () => {
    expect(codeOf(() => new SessionDictionary().readStringTable(hex('05 01 61')))).toBe(SoapErrorCodes.STRING_TABLE_INVALID);
    expect(codeOf(() => new SessionDictionary().readStringTable(hex('02 05 61 62 63 64 65')))).toBe(SoapErrorCodes.STRING_TABLE_INVALID);
    expect(codeOf(() => new SessionDictionary().readStringTable(hex('02 01 ff')))).toBe(SoapErrorCodes.STRING_TABLE_INVALID);
    expect(codeOf(() => new SessionDictionary().readStringTable(hex('')))).toBe(SoapErrorCodes.STRING_TABLE_INVALID);
  });

  it('after an error every later message fails: the peer numbering is lost', () => {
    const s = new SessionDictionary();
    expect(codeOf(() => s.readStringTable(hex('05 01 61')))).toBe(SoapErrorCodes.STRING_TABLE_INVALID);
    expect(codeOf(() => s.readStringTable(hex('00')))).toBe(SoapErrorCodes.SESSION_FAULTED);
  });
});
