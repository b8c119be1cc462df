// HTML forms as a browser would post them, for the bundle builders' node
// harnesses (scripts/moodle/harness.mjs, scripts/mediawiki/verify-bundle.mjs).

/** Undoes the HTML escapes an attribute or a textarea may hold. */
export const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#0?39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function attrsOf(tag) {
  const out = {};
  for (const m of tag.matchAll(/([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[m[1].toLowerCase()] = decode(m[3] ?? m[4]);
  return out;
}

/**
 * The form containing an input named `marker`: its action, the values a
 * browser would send (`fields`: inputs, selects, textareas) and its hidden inputs.
 */
export function parseForm(html, marker) {
  for (const m of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)) {
    if (!m[0].includes(`name="${marker}"`)) continue;
    const form = attrsOf(m[0].match(/<form\b[^>]*>/)[0]);
    const fields = {};
    const hidden = {};
    for (const input of m[0].matchAll(/<input\b[^>]*>/g)) {
      const a = attrsOf(input[0]);
      if (!a.name || ['submit', 'button', 'image', 'file'].includes(a.type)) continue;
      if ((a.type === 'checkbox' || a.type === 'radio') && !/\schecked\b/.test(input[0])) continue;
      fields[a.name] = a.value ?? '';
      if (a.type === 'hidden') hidden[a.name] = a.value ?? '';
    }
    for (const select of m[0].matchAll(/<select\b[^>]*>([\s\S]*?)<\/select>/g)) {
      const a = attrsOf(select[0].match(/<select\b[^>]*>/)[0]);
      if (!a.name) continue;
      const options = [...select[1].matchAll(/<option\b[^>]*>/g)].map((o) => ({ attrs: attrsOf(o[0]), selected: /\sselected\b/.test(o[0]) }));
      const chosen = options.find((o) => o.selected) ?? options[0];
      if (chosen) fields[a.name] = chosen.attrs.value ?? '';
    }
    for (const area of m[0].matchAll(/<textarea\b[^>]*>([\s\S]*?)<\/textarea>/g)) {
      const a = attrsOf(area[0].match(/<textarea\b[^>]*>/)[0]);
      if (a.name) fields[a.name] = decode(area[1]);
    }
    return { action: form.action ?? '', fields, hidden };
  }
  return null;
}

export const urlencoded = (fields) => new TextEncoder().encode(new URLSearchParams(fields).toString());
