import { textOf } from './text-value.js';
import { type XmlElement, type XmlNode, expandArray } from './xml-node.js';

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

function qualified(prefix: string, local: string): string {
  return prefix ? `${prefix}:${local}` : local;
}

function renderElement(el: XmlElement, out: string[]): void {
  const name = qualified(el.prefix, el.localName);
  out.push('<', name);
  for (const ns of el.namespaces) {
    out.push(' ', ns.prefix ? `xmlns:${ns.prefix}` : 'xmlns', '="', escapeAttr(ns.uri), '"');
  }
  for (const a of el.attributes) {
    out.push(' ', qualified(a.prefix, a.localName), '="', escapeAttr(textOf(a.value)), '"');
  }
  if (el.children.length === 0) {
    out.push('/>');
    return;
  }
  out.push('>');
  for (const c of el.children) renderNode(c, out);
  out.push('</', name, '>');
}

function renderNode(n: XmlNode, out: string[]): void {
  switch (n.kind) {
    case 'element':
      renderElement(n, out);
      break;
    case 'text':
      out.push(escapeText(textOf(n.value)));
      break;
    case 'comment':
      out.push('<!--', n.text, '-->');
      break;
    case 'array':
      for (const e of expandArray(n)) renderElement(e, out);
      break;
  }
}

/**
 * Renders nodes as XML text (no declaration, no added whitespace). Namespace declarations come
 * before other attributes, as in the usual textual form of SOAP messages.
 */
export function toXmlString(nodes: XmlNode | readonly XmlNode[]): string {
  const out: string[] = [];
  for (const n of Array.isArray(nodes) ? (nodes as readonly XmlNode[]) : [nodes as XmlNode]) renderNode(n, out);
  return out.join('');
}
