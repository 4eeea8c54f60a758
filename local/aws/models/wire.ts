// From an HTTP request to an operation's input in member-name form, by the model's HTTP bindings
// (botocore service-2.json: the operation's `http.requestUri`, each member's `location` and
// `locationName`, the input's `payload`; Smithy "HTTP binding traits"). AWS JSON 1.0/1.1 bodies
// already use member names; restJson1 bodies use `locationName` (jsonName); restXml bodies use
// `locationName` and `flattened` lists (Smithy "XML binding traits").
import type { MemberRef, OperationModel, ServiceModel, Shape } from './types.js';

export interface HttpRequestParts {
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The parsed JSON body (restJson1), or the raw body (restXml). */
  readonly body?: unknown;
}

/** Scalars in URIs, query strings and headers are text; numbers and booleans are parsed when they read as such. */
function scalarFromText(shape: Shape | undefined, text: string): unknown {
  if (!shape) return text;
  switch (shape.type) {
    case 'integer':
    case 'long':
      return /^-?\d+$/.test(text) ? Number(text) : text;
    case 'float':
    case 'double':
      return text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    default:
      return text;
  }
}

/** A restJson1 body value in member-name form. */
export function fromJsonWire(model: ServiceModel, shapeName: string, v: unknown): unknown {
  const shape = model.shapes[shapeName];
  if (!shape || v === null || typeof v !== 'object') return v;
  if (shape.type === 'list' && Array.isArray(v) && shape.member)
    return v.map((item) => fromJsonWire(model, shape.member!.shape, item));
  if (shape.type === 'map' && !Array.isArray(v) && shape.value)
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, item]) => [
        k,
        fromJsonWire(model, shape.value!.shape, item),
      ]),
    );
  if (shape.type === 'structure' && !Array.isArray(v)) {
    const out: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const wire = (v as Record<string, unknown>)[ref.locationName ?? name];
      if (wire !== undefined) out[name] = fromJsonWire(model, ref.shape, wire);
    }
    return out;
  }
  return v;
}

/** Labels of `requestUri` (`/v1/clusters/{clusterArn}/scram-secrets`, `/{Bucket}/{Key+}`) in `path`; undefined when it does not match. */
export function uriLabels(requestUri: string, path: string): Record<string, string> | undefined {
  const template = requestUri.split('?')[0]!.split('/').filter(Boolean);
  const segs = path.split('/').filter(Boolean);
  const out: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const label = /^\{([^}+]+)(\+?)\}$/.exec(t);
    if (label) {
      if (label[2] === '+') {
        out[label[1]!] = segs.slice(i).map(safeDecode).join('/') + (path.endsWith('/') && segs.length > i ? '/' : '');
        return out;
      }
      if (segs[i] === undefined) return undefined;
      out[label[1]!] = safeDecode(segs[i]!);
    } else if (t !== segs[i]) return undefined;
  }
  return segs.length === template.length ? out : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function headerValue(parts: HttpRequestParts, name: string): string | undefined {
  const v = parts.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : (v as string | undefined);
}

/**
 * The input of a REST operation (restJson1 or restXml) in member-name form. `payloadValue` turns
 * the raw body into the payload member's value for restXml (see `fromXml`).
 */
export function restInput(
  model: ServiceModel,
  operation: string,
  parts: HttpRequestParts,
  payloadValue?: (shapeName: string, ref: MemberRef, body: unknown) => unknown,
): Record<string, unknown> {
  const op: OperationModel | undefined = model.operations[operation];
  const out: Record<string, unknown> = {};
  if (!op?.input) return out;
  const input = model.shapes[op.input.shape];
  if (!input) return out;
  const labels = uriLabels(op.http.requestUri, parts.path) ?? {};
  const bodyMembers: [string, MemberRef][] = [];
  for (const [name, ref] of Object.entries(input.members ?? {})) {
    const shape = model.shapes[ref.shape];
    const wire = ref.locationName ?? name;
    switch (ref.location) {
      case 'uri':
        if (labels[wire] !== undefined) out[name] = scalarFromText(shape, labels[wire]);
        break;
      case 'querystring': {
        if (shape?.type === 'map') break; // a query map takes every other parameter; none is emulated
        const all = parts.query.getAll(wire);
        if (all.length === 0) break;
        out[name] =
          shape?.type === 'list'
            ? all.map((t) => scalarFromText(model.shapes[shape.member!.shape], t))
            : scalarFromText(shape, all[0]!);
        break;
      }
      case 'header': {
        const text = headerValue(parts, wire);
        if (text === undefined) break;
        out[name] =
          shape?.type === 'list'
            ? text.split(',').map((t) => scalarFromText(model.shapes[shape.member!.shape], t.trim()))
            : scalarFromText(shape, text);
        break;
      }
      case 'headers': {
        const prefix = wire.toLowerCase();
        const map: Record<string, string> = {};
        for (const [h, v] of Object.entries(parts.headers))
          if (h.startsWith(prefix) && v !== undefined)
            map[h.slice(prefix.length)] = Array.isArray(v) ? v.join(',') : (v as string);
        if (Object.keys(map).length > 0) out[name] = map;
        break;
      }
      case 'statusCode':
        break;
      default:
        bodyMembers.push([name, ref]);
    }
  }
  if (input.payload !== undefined) {
    const ref = input.members?.[input.payload];
    if (ref && parts.body !== undefined) {
      const v = payloadValue ? payloadValue(ref.shape, ref, parts.body) : fromJsonWire(model, ref.shape, parts.body);
      if (v !== undefined) out[input.payload] = v;
    }
  } else if (parts.body !== null && typeof parts.body === 'object' && !Array.isArray(parts.body)) {
    for (const [name, ref] of bodyMembers) {
      const wire = (parts.body as Record<string, unknown>)[ref.locationName ?? name];
      if (wire !== undefined) out[name] = fromJsonWire(model, ref.shape, wire);
    }
  }
  return out;
}

// ---- restXml bodies ----

export interface XmlElement {
  readonly name: string;
  /** Attributes by their name as written (`xsi:type`). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

/** A small XML reader for request bodies: elements, attributes and text (comments and PIs dropped). Throws on malformed input. */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const re =
    /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/\s*([^\s>]+)\s*>|<\s*([^\s/>]+)((?:\s+[^\s=>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(xml)) !== null) {
    if (m.index !== pos) throw new Error('malformed XML');
    pos = re.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[2] !== undefined) {
      const local = m[2].replace(/^[^:]*:/, '');
      if (stack.length < 2 || top.name !== local) throw new Error('malformed XML');
      stack.pop();
    } else if (m[3] !== undefined) {
      const attributes: Record<string, string> = {};
      for (const a of (m[4] ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
        attributes[a[1]!] = xmlText(a[2] ?? a[3] ?? '');
      const el: XmlElement = { name: m[3].replace(/^[^:]*:/, ''), attributes, children: [], text: '' };
      top.children.push(el);
      if (m[5] !== '/') stack.push(el);
    } else if (m[6] !== undefined) top.text += xmlText(m[6]);
  }
  if (pos !== xml.length || stack.length !== 1) throw new Error('malformed XML');
  return root;
}

function xmlText(s: string): string {
  return s.replace(/&(lt|gt|amp|apos|quot|#x?[0-9a-fA-F]+);/g, (all, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
    if (named[e]) return named[e];
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : all;
  });
}

/** An XML element as the value of `shapeName`, in member-name form. */
export function fromXml(model: ServiceModel, shapeName: string, el: XmlElement): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) return el.text;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const wire = ref.locationName ?? name;
        if (ref.xmlAttribute) {
          const local = wire.replace(/^[^:]*:/, '');
          const attr = Object.entries(el.attributes).find(([k]) => k === wire || k.replace(/^[^:]*:/, '') === local);
          if (attr) out[name] = scalarFromText(model.shapes[ref.shape], attr[1]);
          continue;
        }
        const memberShape = model.shapes[ref.shape];
        if (memberShape?.type === 'list' && (ref.flattened || memberShape.flattened)) {
          const items = el.children.filter((c) => c.name === wire);
          if (items.length > 0) out[name] = items.map((c) => fromXml(model, memberShape.member!.shape, c));
          continue;
        }
        const child = el.children.find((c) => c.name === wire);
        if (child) out[name] = fromXml(model, ref.shape, child);
      }
      return out;
    }
    case 'list': {
      const itemName = shape.member?.locationName ?? 'member';
      return el.children.filter((c) => c.name === itemName).map((c) => fromXml(model, shape.member!.shape, c));
    }
    case 'map':
      return {};
    default:
      return scalarFromText(shape, el.text);
  }
}

// ---- AWS Query protocol (IAM) ----
// Smithy "AWS query protocol" (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html): the
// input is form-encoded, `Action` and `Version` beside the members; a structure member is
// `<Name>.<Member>`, a list item `<Name>.member.<n>` (1-based), a map entry
// `<Name>.entry.<n>.key` / `.value`. The answer is XML: `<XResponse xmlns=...><XResult>` (the
// operation's `resultWrapper`) holding the output members, then `<ResponseMetadata>`; list items are
// `<member>` elements.

/** Form parameters (without Action and Version) as an input in member-name form: by the model's shapes when given, else by the key structure alone. */
export function fromQuery(params: URLSearchParams, model?: ServiceModel, shapeName?: string): Record<string, unknown> {
  const tree: QueryNode = new Map();
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    let node = tree;
    const segs = key.split('.');
    segs.forEach((seg, i) => {
      if (i === segs.length - 1) node.set(seg, value);
      else {
        let next = node.get(seg);
        if (!(next instanceof Map)) node.set(seg, (next = new Map()));
        node = next;
      }
    });
  }
  return queryValue(tree, model, shapeName) as Record<string, unknown>;
}

type QueryNode = Map<string, QueryNode | string>;

function queryValue(node: QueryNode | string, model?: ServiceModel, shapeName?: string): unknown {
  const shape = shapeName !== undefined ? model?.shapes[shapeName] : undefined;
  // An empty list is sent as the bare name with an empty value (`Tags=`).
  if (typeof node === 'string') return shape?.type === 'list' && node === '' ? [] : scalarFromText(shape, node);
  const items = (inner: QueryNode | string | undefined): (QueryNode | string)[] =>
    inner instanceof Map
      ? [...inner.entries()]
          .filter(([k]) => /^\d+$/.test(k))
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([, v]) => v)
      : [];
  if (shape?.type === 'list' || (!shape && node.size === 1 && node.has('member'))) {
    const inner = node.get(shape?.member?.locationName ?? 'member');
    return items(inner).map((v) => queryValue(v, model, shape?.member?.shape));
  }
  if (shape?.type === 'map') {
    const out: Record<string, unknown> = {};
    for (const e of items(node.get('entry')))
      if (e instanceof Map && typeof e.get('key') === 'string')
        out[e.get('key') as string] = queryValue(e.get('value') ?? '', model, shape.value?.shape);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of node) {
    const ref = shape?.members?.[k];
    if (shape && !ref) continue; // not a member: AWS ignores unknown parameters
    out[k] = queryValue(v, model, ref?.shape);
  }
  return out;
}

/**
 * An operation's output as the Query protocol's XML body. With the model, every member must be one
 * the output shape lists, with the shape's type (an emulator bug otherwise: it throws), and lists
 * use the model's item names; without it, arrays are `<member>` lists.
 */
export function toQueryXml(
  operation: string,
  output: Readonly<Record<string, unknown>> | undefined,
  opts: { xmlNamespace: string; requestId: string; model?: ServiceModel },
): string {
  const op: OperationModel | undefined = opts.model?.operations[operation];
  const outShape = op?.output?.shape;
  if (opts.model && !outShape && output && Object.keys(output).length > 0)
    throw new Error(`${operation} has no output in the model`);
  const body = output && Object.keys(output).length > 0 ? xmlMembers(output, opts.model, outShape, operation) : '';
  const wrapper = op?.output?.resultWrapper ?? `${operation}Result`;
  const result = body === '' && !outShape ? '' : `<${wrapper}>${body}</${wrapper}>`;
  return (
    `<${operation}Response xmlns="${opts.xmlNamespace}">${result}` +
    `<ResponseMetadata><RequestId>${opts.requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

/** `<ErrorResponse>` of the Query protocol: Type Sender (4xx) or Receiver (5xx), Code, Message, RequestId. */
export function queryErrorXml(
  err: { code: string; message: string; statusCode: number },
  opts: { xmlNamespace: string; requestId: string },
): string {
  const type = err.statusCode >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${opts.xmlNamespace}"><Error><Type>${type}</Type><Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${opts.requestId}</RequestId></ErrorResponse>`
  );
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function xmlMembers(
  v: Readonly<Record<string, unknown>>,
  model: ServiceModel | undefined,
  shapeName: string | undefined,
  where: string,
): string {
  const shape = shapeName !== undefined ? model?.shapes[shapeName] : undefined;
  let out = '';
  for (const [k, item] of Object.entries(v)) {
    if (item === undefined) continue;
    const ref = shape?.members?.[k];
    if (model && shapeName !== undefined && !ref) throw new Error(`${where}: ${k} is not a member of ${shapeName}`);
    const name = ref?.locationName ?? k;
    out += `<${name}>${xmlValue(item, model, ref?.shape, `${where}.${k}`)}</${name}>`;
  }
  return out;
}

function xmlValue(v: unknown, model: ServiceModel | undefined, shapeName: string | undefined, where: string): string {
  const shape = shapeName !== undefined ? model?.shapes[shapeName] : undefined;
  const expect = (ok: boolean) => {
    if (shape && !ok) throw new Error(`${where}: not a ${shape.type} (${shapeName})`);
  };
  if (Array.isArray(v)) {
    expect(shape?.type === 'list');
    const item = shape?.member?.locationName ?? 'member';
    return v.map((x) => `<${item}>${xmlValue(x, model, shape?.member?.shape, `${where}[]`)}</${item}>`).join('');
  }
  if (v instanceof Date) {
    expect(shape?.type === 'timestamp');
    return v.toISOString();
  }
  if (v !== null && typeof v === 'object') {
    expect(shape?.type === 'structure');
    return xmlMembers(v as Record<string, unknown>, model, shapeName, where);
  }
  if (typeof v === 'boolean') expect(shape?.type === 'boolean');
  else if (typeof v === 'number') expect(['integer', 'long', 'float', 'double'].includes(shape?.type ?? ''));
  else expect(shape?.type === 'string' || shape?.type === 'timestamp');
  return escapeXml(String(v));
}
