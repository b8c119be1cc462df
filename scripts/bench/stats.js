// Small statistics for the bench: medians, ratios, goals.

export function median(values) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** { median, min, max, n, samples } of a list of numbers. */
export function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length, samples: values };
}

/**
 * A goal line: `ratio` compared with `limit` ('<=' or '>=').
 * A MISS is a result, not an error: the bench reports it and carries on.
 */
export function goal(name, ratio, comparison, limit) {
  const pass = comparison === '<=' ? ratio <= limit : ratio >= limit;
  return { name, ratio, goal: `${comparison} ${limit}`, verdict: Number.isFinite(ratio) ? (pass ? 'PASS' : 'MISS') : 'N/A' };
}
