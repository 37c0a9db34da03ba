// Opens a `learnerscore report` HTML file in headless Chromium (puppeteer-core, Debian's
// chromium) and checks it: no console error, no request leaving the file, every expected chart
// present with the expected number of data points (read through the ECharts API), a title,
// named axes and a reading under each chart; saves a PNG of each section.
//   node report_browser.js REPORT.html EXPECTED.json SCREENSHOT_DIR
// EXPECTED.json: {"charts": {"<chart id>": <data points>, ...}, "text": ["must appear", ...]}
'use strict';
const puppeteer = require('puppeteer-core');
const fs = require('fs');
const path = require('path');

const [file, expectedFile, shots] = process.argv.slice(2);
const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
const url = 'file://' + path.resolve(file);
let failures = 0;
function check(ok, what) {
  console.log((ok ? 'ok   ' : 'FAIL ') + what);
  if (!ok) failures++;
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--font-render-hinting=none'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const errors = [], requests = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.type() + ': ' + m.text()); });
    page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
    page.on('requestfailed', (r) => { if (r.url() !== url) errors.push('requestfailed: ' + r.url()); });
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      requests.push(r.url());
      if (r.url() === url || r.url().startsWith('data:')) r.continue(); else r.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    const info = await page.evaluate(() => {
      const out = {};
      for (const id of window.lsReport.charts) {
        const div = document.getElementById('chart-' + id);
        const inst = div && echarts.getInstanceByDom(div);
        if (!inst) { out[id] = null; continue; }
        const o = inst.getOption();
        const axisName = (a) => (a && a.length ? a.map((x) => x.name || '').join('|') : '');
        out[id] = {
          points: (o.series || []).reduce((n, s) => n + (s.data ? s.data.length : 0), 0),
          series: (o.series || []).length,
          title: o.title && o.title[0] ? o.title[0].text : '',
          xname: axisName(o.xAxis), yname: axisName(o.yAxis),
          reading: (document.getElementById('reading-' + id) || {}).textContent || '',
          width: div.clientWidth, height: div.clientHeight,
          canvas: !!div.querySelector('canvas'),
        };
      }
      return { charts: out, sections: [...document.querySelectorAll('section.section')].map((s) => s.id), text: document.body.innerText };
    });
    const want = expected.charts;
    for (const id of Object.keys(want)) {
      const c = info.charts[id];
      check(!!c, `chart ${id} present`);
      if (!c) continue;
      check(c.points === want[id], `chart ${id}: ${c.points} data points (expected ${want[id]} from the database)`);
      check(c.title.length > 0 && c.xname.length > 0 && c.yname.length > 0, `chart ${id}: title "${c.title}", axes "${c.xname}" / "${c.yname}"`);
      check(c.reading.length > 20 && !/undefined|NaN|\{\d\}/.test(c.reading), `chart ${id}: reading "${c.reading.slice(0, 110)}…"`);
      check(c.canvas && c.width > 300 && c.height > 150, `chart ${id}: drawn (${c.width}x${c.height})`);
    }
    const extra = Object.keys(info.charts).filter((id) => !(id in want));
    check(extra.length === 0, `no unexpected chart (${extra.join(', ') || 'none'})`);
    for (const s of expected.text || []) check(info.text.includes(s), `page text contains "${s}"`);
    check(!/undefined|NaN/.test(info.text), 'no "undefined" or "NaN" in the page text');
    check(errors.length === 0, `no console error or warning${errors.length ? ': ' + errors.join(' | ') : ''}`);
    const outside = requests.filter((r) => r !== url);
    check(outside.length === 0, `no request leaves the file (${requests.length} request(s): ${[...new Set(requests)].join(', ')})`);
    if (shots) {
      fs.mkdirSync(shots, { recursive: true });
      for (const id of info.sections) {
        const h = await page.$('#' + id);
        await h.screenshot({ path: path.join(shots, `${expected.prefix || ''}${id}.png`) });
      }
      console.log(`     screenshots of ${info.sections.length} sections in ${shots}`);
    }
  } finally {
    await browser.close();
  }
  process.exit(failures ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
