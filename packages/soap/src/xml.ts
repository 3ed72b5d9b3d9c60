// `@portshare/soap/xml`: binary XML ([MC-NBFX]) with its dictionaries ([MC-NBFS], [MC-NBFSE]), and
// the element model messages are made of.
export { readNbfx, type NbfxReadOptions } from './nbfx-reader.js';
export { writeNbfx, type NbfxWriteOptions } from './nbfx-writer.js';
export { SessionDictionary, encodeStringTable, type SessionDictionaryOptions } from './session-dictionary.js';
export { StaticIds, staticDictionaryId, staticDictionaryString } from './dictionary.js';
export { STATIC_DICTIONARY_SIZE } from './static-dictionary.js';
export { type DictKind, type TextValue, textOf } from './text-value.js';
export {
  XML_NAMESPACE,
  childElements,
  element,
  getAttribute,
  text,
  textContent,
  textValues,
  type ElementInit,
  type XmlArray,
  type XmlArrayValues,
  type XmlAttribute,
  type XmlComment,
  type XmlElement,
  type XmlNode,
  type XmlText,
  type XmlnsDeclaration,
} from './xml-node.js';
export { toXmlString } from './xml-text.js';

