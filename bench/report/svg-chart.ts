/**
 * @module A grouped bar chart as a standalone SVG string (no chart library): one group per x value,
 * one bar per series, optional log scale, a value on every bar and a legend underneath.
 */

export interface BarSeries {
  name: string;
  /** One value per group; undefined or non-finite draws no bar. */
  values: (number | undefined)[];
  /** Drawn in a strong colour (the project's own series) rather than a muted one. */
  highlight?: boolean;
}

export interface BarChart {
  title: string;
  yLabel: string;
  groups: string[];
  series: BarSeries[];
  log: boolean;
  format(value: number): string;
}

const WIDTH = 960;
const HEIGHT = 460;
const MARGIN = { left: 80, right: 20, top: 48, bottom: 110 };
const STRONG = ['#d9480f', '#e8590c', '#f08c00', '#c2255c', '#9c36b5'];
const MUTED = ['#1c7ed6', '#5c940d', '#868e96', '#0b7285', '#5f3dc4', '#495057'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Scale {
  y(value: number): number;
  ticks: number[];
}

function makeScale(values: number[], log: boolean, top: number, bottom: number): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (log) {
    const lo = finite.length ? 10 ** Math.floor(Math.log10(Math.min(...finite))) : 1;
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...finite, lo * 10)));
    const span = Math.log10(hi) - Math.log10(lo);
    const ticks: number[] = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
    return { y: (v) => bottom - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * (bottom - top), ticks };
  }
  const max = Math.max(...finite, 1);
  const step = 10 ** Math.floor(Math.log10(max));
  const niceStep = max / step > 5 ? step * 2 : max / step > 2 ? step : step / 2;
  const hi = Math.ceil(max / niceStep) * niceStep;
  const ticks: number[] = [];
  for (let t = 0; t <= hi + niceStep / 2; t += niceStep) ticks.push(t);
  return { y: (v) => bottom - (v / hi) * (bottom - top), ticks };
}

export function barChartSvg(chart: BarChart): string {
  const plotLeft = MARGIN.left;
  const plotRight = WIDTH - MARGIN.right;
  const plotTop = MARGIN.top;
  const plotBottom = HEIGHT - MARGIN.bottom;
  const scale = makeScale(chart.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined)), chart.log, plotTop, plotBottom);
  const groupWidth = (plotRight - plotLeft) / Math.max(1, chart.groups.length);
  const barWidth = (groupWidth * 0.84) / Math.max(1, chart.series.length);
  let strong = 0;
  let muted = 0;
  const colors = chart.series.map((s) => (s.highlight ? STRONG[strong++ % STRONG.length]! : MUTED[muted++ % MUTED.length]!));

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="16" font-weight="600">${escapeXml(chart.title)}</text>`,
    `<text transform="translate(18 ${(plotTop + plotBottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}${chart.log ? ' (log scale)' : ''}</text>`,
  ];
  for (const tick of scale.ticks) {
    const y = scale.y(tick).toFixed(1);
    parts.push(`<line x1="${plotLeft}" x2="${plotRight}" y1="${y}" y2="${y}" stroke="#e9ecef"/>`);
    parts.push(`<text x="${plotLeft - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#495057">${escapeXml(chart.format(tick))}</text>`);
  }
  parts.push(`<line x1="${plotLeft}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}" stroke="#343a40"/>`);
  chart.groups.forEach((group, g) => {
    const groupLeft = plotLeft + g * groupWidth + groupWidth * 0.08;
    parts.push(`<text x="${(plotLeft + (g + 0.5) * groupWidth).toFixed(1)}" y="${plotBottom + 18}" text-anchor="middle" font-weight="600">${escapeXml(group)}</text>`);
    chart.series.forEach((series, s) => {
      const value = series.values[g];
      const x = groupLeft + s * barWidth;
      const cx = (x + barWidth / 2).toFixed(1);
      if (value === undefined || !Number.isFinite(value)) {
        parts.push(`<text x="${cx}" y="${plotBottom - 4}" text-anchor="middle" font-size="9" fill="#adb5bd">n/a</text>`);
        return;
      }
      const y = scale.y(value);
      parts.push(`<rect x="${(x + 1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barWidth - 2).toFixed(1)}" height="${(plotBottom - y).toFixed(1)}" fill="${colors[s]}"><title>${escapeXml(`${series.name}, ${group}: ${chart.format(value)}`)}</title></rect>`);
      parts.push(`<text transform="translate(${cx} ${(y - 4).toFixed(1)}) rotate(-90)" font-size="10" fill="#212529">${escapeXml(chart.format(value))}</text>`);
    });
  });
  const legendTop = plotBottom + 40;
  const perRow = 4;
  chart.series.forEach((series, s) => {
    const x = plotLeft + (s % perRow) * ((plotRight - plotLeft) / perRow);
    const y = legendTop + Math.floor(s / perRow) * 20;
    parts.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="${colors[s]}"/>`);
    parts.push(`<text x="${x + 20}" y="${y + 11}"${series.highlight ? ' font-weight="600"' : ''}>${escapeXml(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
