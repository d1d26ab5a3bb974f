// One dashboard chart: a Chart.js line chart (time on x, the coordinator's clock) and, under it, a
// legend in plain text with each series' latest value and whether its app still reports, so the
// numbers are readable without the canvas (screen readers, tests) and a stopped app is said in words.

import { el, formatTime } from './dom.js';
import { alignedTicks, latestPoint, tickStep } from './metrics.js';

const MINUTE_MS = 60 * 1000;
/** Colour-blind-safe (Okabe-Ito), dark enough on white. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const DASHED = [6, 4];

/** Stable colours per source id, in order of first appearance. */
export class ColorBook {
  constructor() {
    this.colors = new Map();
  }

  colorOf(id) {
    if (!this.colors.has(id)) {
      this.colors.set(id, PALETTE[this.colors.size % PALETTE.length]);
    }
    return this.colors.get(id);
  }
}

function clock(millis, withSeconds) {
  const parts = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (withSeconds) {
    parts.second = '2-digit';
  }
  return new Date(millis).toLocaleTimeString([], parts);
}

/** A point drawn alone (no value on either side) gets a dot, or it would not show at all. */
function isolatedRadius(context) {
  const data = context.dataset.data;
  const i = context.dataIndex;
  const alone = (data[i - 1]?.y ?? null) === null && (data[i + 1]?.y ?? null) === null;
  return alone && data[i]?.y !== null ? 2.5 : 0;
}

function axis(title, position = 'left', grid = true) {
  return {
    type: 'linear',
    position,
    beginAtZero: true,
    title: { display: true, text: title },
    grid: { drawOnChartArea: grid },
    ticks: { maxTicksLimit: 6 },
  };
}

/**
 * A chart panel on a {@code figure[data-chart]}: `axes` maps axis id to its title (first = left).
 * `format(value)` writes a value for the legend and tooltips.
 */
export class ChartPanel {
  constructor(figure, { axes, format }) {
    this.figure = figure;
    this.legend = figure.querySelector('.chart-legend');
    this.format = format;
    this.step = MINUTE_MS;
    this.chart = null;
    const Chart = globalThis.Chart;
    if (typeof Chart !== 'function') {
      return; // the legend still shows the numbers
    }
    const scales = {
      x: {
        type: 'linear',
        ticks: { maxRotation: 0 },
        // Ticks at round times, not at the range's first instant.
        afterBuildTicks: (scale) => {
          scale.ticks = alignedTicks(scale.min, scale.max, this.step).map((value) => ({ value }));
        },
      },
    };
    Object.entries(axes).forEach(([id, title], i) => {
      scales[id] = axis(title, i === 0 ? 'left' : 'right', i === 0);
    });
    this.chart = new Chart(figure.querySelector('canvas'), {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        spanGaps: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        elements: {
          line: { borderWidth: 2, tension: 0 },
          point: { radius: isolatedRadius, hitRadius: 6 },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => (items.length > 0 ? formatTime(new Date(items[0].parsed.x)) : ''),
              label: (item) =>
                `${item.dataset.label}: ${(item.dataset.format ?? format)(item.parsed.y)}`,
            },
          },
        },
        scales,
      },
    });
  }

  /**
   * Draws `series` ([{key, label, color, points, axis, dashed, format, reporting, lastSample}]) over
   * the time range {start, end} and lists each one's latest value, or since when it has stopped.
   */
  update(series, { start, end }) {
    if (this.chart) {
      const x = this.chart.options.scales.x;
      const step = tickStep(end - start);
      this.step = step;
      x.min = start;
      x.max = end;
      x.ticks.callback = (value) => clock(value, step < MINUTE_MS);
      this.chart.data.datasets = series.map((one) => ({
        label: one.label,
        data: one.points,
        yAxisID: one.axis,
        borderColor: one.color,
        backgroundColor: one.color,
        borderDash: one.dashed ? DASHED : [],
        format: one.format,
      }));
      this.chart.update('none');
    }
    this.legend.replaceChildren(...series.map((one) => this.legendItem(one)));
    this.figure.dataset.updated = String(end);
  }

  legendItem(one) {
    const latest = latestPoint(one.points);
    const swatch = el('span', {
      className: one.dashed ? 'swatch dashed' : 'swatch',
      attrs: { 'aria-hidden': 'true' },
    });
    swatch.style.setProperty('--swatch', one.color);
    const state = one.reporting
      ? el('span', { className: 'series-state' })
      : el('span', {
          className: 'series-state stopped',
          text: `stopped ${formatTime(new Date(one.lastSample).toISOString())}`,
        });
    return el(
      'li',
      {
        dataset: {
          testid: 'chart-series',
          series: one.key,
          state: one.reporting ? 'reporting' : 'stopped',
          points: one.points.filter((p) => p.y !== null).length,
          lastX: latest?.x ?? '',
        },
      },
      [
        swatch,
        el('span', { className: 'series-label', text: one.label }),
        el('strong', {
          text: latest === null ? '–' : (one.format ?? this.format)(latest.y),
          dataset: { testid: 'series-latest' },
        }),
        state,
      ],
    );
  }
}
