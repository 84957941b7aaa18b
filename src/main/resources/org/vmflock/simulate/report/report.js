// The simulator's report: the figures of report-data.js drawn by echarts with the node dashboard's
// chart code (charts.js), all beside this page: it opens from file://, offline. Written by vmflock.
'use strict';

(() => {
  const TIME = 'vmflock-time'; // every chart over the simulated time: one axis, tooltips and zoom together

  const esc = (t) => String(t).replace(/[&<>"']/g, ch => `&#${ch.charCodeAt(0)};`); // tooltips are HTML
  // the scenario's clock, in UTC whatever the reader's zone (the data: epoch milliseconds)
  const axis = (c) => ({ type: 'time', name: c.xName, min: c.xMin, max: c.xMax });
  const at = (ms) => echarts.time.format(ms, '{yyyy}-{MM}-{dd} {HH}:{mm}:{ss}', true);
  const utc = (o) => Object.assign(o, { useUTC: true });

  function lines(c) {
    return utc(vmflockCharts.lines(c.series.map(s => Object.assign({ step: c.step ? 'end' : undefined }, s)), axis(c), c.yName));
  }

  function migrations(c) {
    const o = vmflockCharts.lines(c.series.map(s => Object.assign({}, s, { name: s.name + ': migrating', step: 'end' })), axis(c), c.yName);
    c.decisions.forEach(d => o.series.push({ name: d.name, type: 'scatter', color: d.color, symbolSize: 7, data: d.data }));
    o.tooltip = { trigger: 'item', formatter: p => p.seriesType === 'scatter'
      ? `${esc(p.value[2])}: ${esc(p.value[3])}, ${p.value[1]} VM(s) at ${at(p.value[0])}<br>${esc(p.value[4])}`
      : `${esc(p.seriesName)}: ${p.value[1]} at ${at(p.value[0])}` };
    return utc(o);
  }

  function placement(c) {
    // no steps: echarts fills a stacked step area's lower edge as a slope
    const o = vmflockCharts.lines(c.series.map(s => Object.assign({}, s, { stack: 'vms' })), axis(c), c.yName);
    o.tooltip.order = 'seriesDesc'; // as stacked: the top band first
    return utc(o);
  }

  /** Each application's run as a bar from its submission to its finish: a transparent bar up to the start, then the run. */
  function spans(c) {
    const series = [];
    c.series.forEach(s => {
      // named apart, so that the legend shows the run's colour
      series.push({ name: s.name + ' (waiting)', type: 'bar', stack: s.name, silent: true, itemStyle: { color: 'transparent' }, tooltip: { show: false },
        data: s.data.map(d => d ? d[0] : null), legendHoverLink: false });
      series.push({ name: s.name, type: 'bar', stack: s.name, color: s.color,
        data: s.data.map(d => d ? { value: d[1] - d[0], run: d, itemStyle: { opacity: d[2] ? 1 : 0.4 } } : null) });
    });
    return {
      animation: false, legend: { top: 0, type: 'scroll', data: c.series.map(s => s.name) },
      tooltip: { trigger: 'item', formatter: p => {
        const d = p.data.run;
        return `${esc(c.applications[p.dataIndex])} under ${esc(p.seriesName)}: ${d[0]} to ${d[1]}${d[2] ? '' : ' (unfinished)'}, ${d[3]} ${c.currency}`;
      } },
      grid: { left: 110, right: 24, top: 36, bottom: 40 },
      xAxis: { type: 'value', name: c.xName, nameLocation: 'middle', nameGap: 24, min: 0 },
      yAxis: { type: 'category', data: c.applications, inverse: true },
      series,
    };
  }

  /** A list above the chart ({@code <id>-<what>}) that chooses which of {@code labels} it shows: {@code show(index)}. */
  function chooser(c, el, what, labels, show) {
    const select = document.createElement('select');
    select.id = c.id + '-' + what;
    labels.forEach((label, i) => select.append(new Option(label, i)));
    el.before(select);
    select.addEventListener('change', () => show(select.value));
    show(0);
  }

  /** One profile's VM x VM heatmap at a time, as on the dashboard. */
  function heatmaps(c, el, chart) {
    chooser(c, el, 'profile', c.matrices.map(m => m.profile), i => {
      const m = c.matrices[i];
      const h = vmflockCharts.heatmap(m.vms, m.bytesPerSecond);
      el.dataset.maxBytesPerSecond = h.max;
      chart.setOption(h.option, true);
    });
  }

  /** Lines per policy, one policy at a time. */
  function linesPerPolicy(c, el, chart) {
    chooser(c, el, 'policy', c.policies.map(p => p.policy),
      i => chart.setOption(utc(vmflockCharts.lines(c.policies[i].series, axis(c), c.yName)), true));
  }

  const drawn = [];
  for (const c of vmflockReport.charts) {
    const el = document.getElementById(c.id);
    if (!el) {
      console.error('no element for the chart ' + c.id);
      continue;
    }
    try {
      const chart = echarts.init(el);
      switch (c.kind) {
        case 'bars': chart.setOption(vmflockCharts.bars(c.categories, c.series, c.xName, c.yName, c.stacked)); break;
        case 'spans': chart.setOption(spans(c)); break;
        case 'lines': chart.setOption(lines(c)); chart.group = TIME; break;
        case 'migrations': chart.setOption(migrations(c)); chart.group = TIME; break;
        case 'placement': chart.setOption(placement(c)); chart.group = TIME; break;
        case 'linesPerPolicy': linesPerPolicy(c, el, chart); chart.group = TIME; break;
        case 'heatmaps': heatmaps(c, el, chart); break;
        default: throw new Error('no chart of kind ' + c.kind);
      }
      drawn.push(chart);
    } catch (e) {
      el.textContent = 'this chart could not be drawn: ' + e;
      console.error(c.id, e);
    }
  }
  echarts.connect(TIME);
  window.addEventListener('resize', () => drawn.forEach(c => c.resize()));
})();
