/** An aligned text table for terminals; cells are cut to `maxCell` characters. */
export function renderTable(headers: readonly string[], rows: readonly (readonly unknown[])[], maxCell = 60): string {
  const show = (value: unknown): string => {
    const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    const flat = text.replace(/\s+/g, ' ');
    return flat.length > maxCell ? `${flat.slice(0, maxCell - 1)}…` : flat;
  };
  const cells = rows.map((row) => headers.map((_, i) => show(row[i])));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const format = (row: readonly string[]) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [format(headers), format(widths.map((w) => '-'.repeat(w))), ...cells.map(format)].join('\n');
}
