// The charts the node's dashboard and the simulator's report both draw (echarts): one look, one
// formatting. Plain JS, no build step, no module loader (a report opens from file://).
'use strict';

const vmflockCharts = (() => {
  const GRID = { left: 64, right: 24, top: 36, bottom: 36 };

  /** 1536 -> "1.5 KiB" */
  const bytes = (b) => {
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0;
    while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return (i ? b.toFixed(1) : Math.round(b)) + ' ' + u[i];
  };

  /** Lines over an x axis ({@code x.type}: 'time' or 'value'), one series per {name, data: [[x, y]...], color?}. */
  function lines(series, x, yName) {
    return {
      animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0, type: 'scroll' }, grid: GRID,
      xAxis: Object.assign({ nameLocation: 'middle', nameGap: 24 }, x), yAxis: { type: 'value', name: yName, min: 0 },
      dataZoom: [{ type: 'inside' }],
      series: series.map(s => ({
        name: s.name, type: 'line', showSymbol: s.data.length < 30, data: s.data, color: s.color,
        step: s.step, stack: s.stack, areaStyle: s.stack ? {} : undefined, lineStyle: s.stack ? { width: 0.5 } : undefined,
      })),
    };
  }

  /** Bars per category, one series per {name, data: [per category], color?}; stacked when {@code stacked}. */
  function bars(categories, series, xName, yName, stacked) {
    return {
      animation: false, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } }, legend: { top: 0, type: 'scroll' },
      grid: Object.assign({}, GRID, { bottom: categories.length > 8 ? 90 : 40 }),
      xAxis: { type: 'category', data: categories, name: xName, nameLocation: 'middle', nameGap: categories.length > 8 ? 70 : 24,
        axisLabel: { rotate: categories.length > 8 ? 45 : 0, interval: 0 } },
      yAxis: { type: 'value', name: yName, min: 0 },
      series: series.map(s => ({ name: s.name, type: 'bar', data: s.data, color: s.color, stack: stacked ? 'all' : undefined })),
    };
  }

  /** A VM x VM heatmap of rates: {@code rows[from][to]} in bytes per second; returns the option and the largest rate. */
  function heatmap(vms, rows) {
    const data = [];
    let max = 0;
    rows.forEach((row, i) => row.forEach((v, j) => { data.push([j, i, v]); max = Math.max(max, v); }));
    return {
      max,
      option: {
        animation: false, tooltip: { formatter: p => `${vms[p.value[1]]} → ${vms[p.value[0]]}: ${bytes(p.value[2])}/s` },
        grid: { left: 80, right: 40, top: 10, bottom: 90 },
        xAxis: { type: 'category', data: vms, axisLabel: { rotate: 60 }, name: 'to' },
        yAxis: { type: 'category', data: vms, name: 'from' },
        visualMap: { min: 0, max: max || 1, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120,
          formatter: v => bytes(v) + '/s' },
        series: [{ type: 'heatmap', data }],
      },
    };
  }

  return { bytes, lines, bars, heatmap };
})();
