// The soak's judgement, as a pure function: what the site holds at the end
// (read by the soak plugin's verify.php) against the ledger the driver kept
// outside the worker. Returns the problems found, in words; none = passed.

/**
 * @param {{ writes: Map<string, {rows: number, acknowledged: boolean}>,
 *           uploads: Map<string, {sha256: string, acknowledged: boolean}> }} ledger
 * @param {{ writes: Record<string, number>, uploads: Record<string, {db: string|null, file: string|null}>,
 *           integrity: string }} site
 * @returns {string[]}
 */
export function judge(ledger, site) {
  const problems = [];
  if (site.integrity !== 'ok') problems.push(`integrity_check says ${JSON.stringify(site.integrity)}`);
  for (const [key, { rows, acknowledged }] of ledger.writes) {
    const found = site.writes[key] ?? 0;
    if (acknowledged && found !== rows) problems.push(`acknowledged write ${key}: ${found} of ${rows} rows present`);
    if (!acknowledged && found !== 0 && found !== rows) problems.push(`unacknowledged write ${key} is half-done: ${found} of ${rows} rows`);
  }
  for (const key of Object.keys(site.writes)) {
    if (!ledger.writes.has(key)) problems.push(`write ${key} is present but was never sent`);
  }
  for (const [key, { sha256, acknowledged }] of ledger.uploads) {
    const found = site.uploads[key];
    if (acknowledged && (found?.db !== sha256 || found?.file !== sha256)) {
      problems.push(`acknowledged upload ${key}: DB ${found?.db ?? 'missing'}, file ${found?.file ?? 'missing'}, sent ${sha256}`);
    }
    if (!acknowledged && found && (found.db !== found.file || (found.db !== null && found.db !== sha256))) {
      problems.push(`unacknowledged upload ${key} is half-done: DB ${found.db ?? 'missing'}, file ${found.file ?? 'missing'}`);
    }
  }
  for (const key of Object.keys(site.uploads)) {
    if (!ledger.uploads.has(key)) problems.push(`upload ${key} is present but was never sent`);
  }
  return problems;
}
