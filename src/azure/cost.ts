/** The report's cost line: node count × hours × hourly price. An estimate, said to be one. */

/** Estimated cost of a drill cluster over [from, to]. Hours are not rounded up: it is an order of magnitude. */
export function costLine(nodes: number, from: Date, to: Date, pricePerNodeHour: number, still: boolean): string {
  const hours = Math.max(0, to.getTime() - from.getTime()) / 3_600_000;
  const usd = nodes * hours * pricePerNodeHour;
  return (
    `estimated AKS cost: ${nodes} node(s) × ${hours.toFixed(2)} h × ${pricePerNodeHour} USD/node-hour ≈ ${usd.toFixed(2)} USD` +
    (still ? ' so far (the cluster was kept and keeps costing until it is deleted)' : '')
  );
}
