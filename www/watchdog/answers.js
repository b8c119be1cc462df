// The pages the client answers with itself, when the worker cannot: each
// says what happened to this request and what became of the user's data.

/** A small HTML page that says what happened, as a fetch Response. */
export function explainResponse(status, title, text) {
  const escape = (value) => String(value).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`;
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/**
 * What a fresh worker starts from, in the words of the last status the old
 * one sent: its last save that landed, or nothing (a tab that does not save).
 * @param {{ lastSave?: { savedAtMs: number, request: number } | null } | null} lastStatus
 */
export function dataAfterRespawn(lastStatus) {
  const save = lastStatus?.lastSave;
  if (!save) return 'This tab\'s site had no save to restore (saving is off here, or nothing was saved yet), so the fresh worker starts a new site.';
  return `Your site is restored from its last save (${clock(save.savedAtMs)}, after request #${save.request}): `
    + 'everything in it is safe; what this request changed, if it had not finished, is lost.';
}

/** The answer to the request that ran past its deadline. */
export function hungText(label, silentMs, lastStatus) {
  return `${label} ran for ${Math.round(silentMs / 1000)} s without an answer (PHP may be in an endless loop), `
    + `so the PHP worker was stopped and a fresh one started. ${dataAfterRespawn(lastStatus)} `
    + 'The request is quarantined: it is not sent again in this tab until you release it (Quarantined requests, beside the status).';
}

/** The answer to the request the worker was serving when it died. */
export function diedText(label, reason, lastStatus) {
  return `${label} was being served when the PHP worker died (${reason}), so a fresh worker was started. `
    + `${dataAfterRespawn(lastStatus)} The request is quarantined: it is not sent again in this tab until you release it `
    + '(Quarantined requests, beside the status).';
}

/** The answer to a quarantined request asked again. */
export function quarantinedText(label, entry) {
  return `${label} was not sent: at ${clock(entry.atMs)} it ${entry.reason}, so it is quarantined as a poison request. `
    + 'Release it (Quarantined requests, beside the status) to try it again.';
}
