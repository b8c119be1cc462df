// Where the page's blueprint comes from: ?blueprint= (JSON, base64 of JSON,
// or a data: URL) or ?blueprint-url= (fetched; relative URLs inside it are
// relative to it). Pure but for the one fetch, which is passed in. The
// worker checks the blueprint itself (src/blueprint.rs); this only reads it.

/** A blueprint that could not be read; `message` says why, in the user's words. */
export class BlueprintSourceError extends Error {}

/**
 * @param {URLSearchParams} params
 * @param {{ pageUrl: string, fetchText: (url: string) => Promise<string> }} io
 * @returns {Promise<{ blueprint: object, text: string, from: string } | null>}
 */
export async function readBlueprint(params, { pageUrl, fetchText }) {
  const inline = params.get('blueprint');
  const address = params.get('blueprint-url');
  if (inline !== null && address !== null) throw new BlueprintSourceError('give either ?blueprint= or ?blueprint-url=, not both');
  if (inline !== null) {
    const text = decodeInline(inline);
    return { blueprint: withAbsoluteUrls(parse(text, '?blueprint='), pageUrl), text, from: '?blueprint=' };
  }
  if (address !== null) {
    const url = new URL(address, pageUrl).href;
    let text;
    try {
      text = await fetchText(url);
    } catch (error) {
      throw new BlueprintSourceError(`the blueprint at ${url} could not be fetched: ${error.message}`);
    }
    return { blueprint: withAbsoluteUrls(parse(text, url), url), text, from: url };
  }
  return null;
}

/** JSON as is, a data: URL (base64 or not), or base64 (also base64url) of JSON. */
export function decodeInline(value) {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) return trimmed;
  if (trimmed.startsWith('data:')) {
    const comma = trimmed.indexOf(',');
    if (comma < 0) throw new BlueprintSourceError('the data: URL in ?blueprint= has no comma before its data');
    const meta = trimmed.slice(5, comma);
    const data = trimmed.slice(comma + 1);
    return meta.split(';').includes('base64') ? fromBase64(data) : decodeURIComponent(data);
  }
  return fromBase64(trimmed);
}

function fromBase64(data) {
  try {
    const standard = data.replace(/-/g, '+').replace(/_/g, '/').replace(/\s/g, '');
    const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new BlueprintSourceError('?blueprint= holds neither JSON, nor base64 of JSON, nor a data: URL');
  }
}

function parse(text, from) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BlueprintSourceError(`the blueprint from ${from} is not JSON: ${error.message}`);
  }
}

/** The `url` fields of steps, made absolute against `base` (the worker fetches them). */
export function withAbsoluteUrls(blueprint, base) {
  if (!Array.isArray(blueprint?.steps)) return blueprint;
  const steps = blueprint.steps.map((step) => {
    if (!step || typeof step.url !== 'string') return step;
    try {
      return { ...step, url: new URL(step.url, base).href };
    } catch {
      return step; // the worker names a URL it cannot fetch
    }
  });
  return { ...blueprint, steps };
}

/** The site a blueprint's page keeps its save under: one per blueprint text, beside the user's own site. */
export async function blueprintSiteName(text) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return `blueprint-${Array.from(digest.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
