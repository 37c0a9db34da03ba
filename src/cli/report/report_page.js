// The script of `learnerscore report` (embedded into the CLI at build time, inlined into every
// report): draws each section's charts with Apache ECharts from the JSON data the CLI wrote into
// <script id="report-data">, and writes one reading per chart computed from that data.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var LANG = D.meta.lang === 'ru' ? 'ru' : 'en';
  var TXT = {
    en: {
      title: 'learnerscore report', schema: 'learning schema', courses_schema: 'course-effects schema',
      as_of: 'as of', generated: 'generated', made_with: 'learnerscore {0}, charts by Apache ECharts {1} (Apache-2.0), embedded: this file opens offline.',
      toc: 'Contents', none: 'No data for this section in this schema.',
      load: 'The load', load_intro: 'Rows loaded per file (load_log) and the lines the loader rejected (load_rejects), by reason. Nothing is dropped silently.',
      load_files: 'Rows loaded per file', load_rejects: 'Rejected lines by reason', file: 'file', rows: 'rows', lines: 'lines', reason: 'reason',
      loaded: 'loaded', rejected: 'rejected', load_none: 'Nothing loaded yet (learnerscore load DIR --schema S).',
      load_read: '{0} rows were loaded from {1} files; the largest is {2} ({3} rows).',
      rejects_read: '{0} of {1} data lines were rejected ({2} %){3}.', load_read_top: ', most often "{0}" ({1})', other: 'other',
      status: 'Activity status by course week', status_intro: 'Learners of each course by activity status at the end of each course week (days since the last log-in, page view, result or webinar: active under {0} days, falling asleep under {1}, asleep after).',
      status_truth_intro: ' Dashed lines: the state planted by the generator (synthetic data), stacked the same way.',
      status_chart: 'Course {0}: learners by status, week by week', week: 'course week', learners: 'learners',
      active: 'active', falling_asleep: 'falling asleep', asleep: 'asleep', planted: 'planted',
      status_read: 'By week {0}, {1} % of course {2}\'s {3} learners are asleep and {4} % falling asleep; the asleep share grew most between weeks {5} and {6} (+{7} points){8}.',
      status_read_task: ', most at task {0} "{1}"',
      status_read_truth: ' The planted asleep count differs from the measured one by {0} learners per week on average.',
      critical: 'Critical points: where learners fall asleep', critical_intro: 'The ten tasks per course at which most learners moved into falling asleep or asleep (the most recently opened task at the moment of the move).',
      critical_chart: 'Course {0}: moves into falling asleep / asleep per task', task: 'task',
      critical_read: 'Most learners of course {0} fell asleep at task {1} "{2}": {3} learners ({4} % of {5}){6}.',
      critical_read_next: '; next come tasks {0}',
      contacts: 'The contact list', contacts_intro: 'Dropout risk bands from learner_scores (high: probability ≥ {0}, medium ≥ {1}, low below; the settings learnerscore.risk_band_high and risk_band_medium), per course, and the 25 reachable learners (not asleep) with the highest risk, with the three features that raise their risk most.',
      contacts_snapshot: ' Scores from the stored snapshot of {0}.', contacts_live: ' Scores computed live from learner_scores when the report was written.',
      contacts_live_latest: ' No stored snapshot on or before the as-of date: these are today\'s live scores.',
      bands_chart: 'Learners by dropout-risk band, per course', course: 'course', high: 'high', medium: 'medium', low: 'low',
      bands_read: '{0} of {1} learners ({2} %) are in the high-risk band; {3} are still reachable (not asleep).',
      col_rank: 'rank in course', col_user: 'learner', col_status: 'status', col_p: 'P(dropout)', col_pc: 'P(complete)', col_band: 'band', col_reasons: 'top reasons',
      quality: 'Model quality by week', quality_intro: 'Held-out metrics of the weekly models (validated on courses the model did not train on): AUC (higher is better), Brier score and expected calibration error (ECE, lower is better) for dropout and completion; mean absolute error of the predicted m2_progress, beside the customer\'s own figures.',
      quality_chart: 'Dropout and completion models: AUC, Brier, ECE by week', metric: 'metric (0–1)',
      quality_read: 'The dropout model\'s AUC goes from {0} at week 1 to {1} at week {2}, its Brier score from {3} to {4}, and its ECE is {5} at week {2}.',
      mae_chart: 'm2_progress: mean absolute error by week', mae: 'MAE (progress points, 0–100)', baseline: 'customer\'s random forests (own data)',
      mae_read: 'The m2_progress MAE goes from {0} at week 1 to {1} at week {2} (points of 100); the customer\'s random forests reached 7.99 at week 1 and 2.86 at week 10 on their own data.',
      reliability: 'Reliability diagram: predicted vs observed dropout', predicted: 'predicted dropout probability', observed: 'observed dropout share', perfect: 'perfect calibration', bins: 'bins of 0.1',
      reliability_intro: 'Learners binned by the served dropout probability (learner_scores) against the share who did drop out (learner_targets). In-sample: the served models were trained on these learners, so this shows the calibration of the scores as served; the held-out ECE is in the chart above.',
      reliability_read: 'Where the model says {0} on average, {1} % of the learners dropped out (the bin with the most learners, {2}); the weighted mean gap (in-sample ECE) is {3}.',
      effects: 'Course effects', effects_intro: 'Effect of each course on each KPI (all departments): the naive difference in means (biased: motivated employees take more courses), AIPW (adjusts for pre-period KPIs, tenure, department) and IV (the random invitation as instrument), with 95 % intervals. Dashed lines: the minimal useful effect (MUE) the verdict compares against; solid: no effect.',
      forest_chart: 'Effect on {0} by course: naive, AIPW, IV (95 % CI)', effect_on: 'effect on {0} ({1})', mue: 'minimal useful effect', no_effect: 'no effect', truth_pt: 'planted effect',
      forest_read: 'By IV: {0}{1}.', forest_read_bias: '; the naive estimate is off IV by {0} on average', rec: 'recommend', rem: 'remove', inc: 'inconclusive',
      verdicts: 'Verdicts', col_course: 'course', col_kpi: 'KPI', col_mue: 'MUE', col_abn: 'ab_n (IV)', col_title: 'title',
      ab: 'A/B sizes', ab_intro: 'Employees per group an A/B test needs to detect the minimal useful effect (α = {0}, power {1}) where the IV verdict is inconclusive.',
      ab_chart: 'A/B test: employees per group to settle an inconclusive verdict', per_group: 'employees per group', cell: 'course · KPI',
      ab_read: 'Settling the {0} inconclusive IV verdict(s) needs from {1} to {2} employees per group; the cheapest is course {3} on {4} ({1}).',
      ab_read_same: 'Settling each of the {0} inconclusive IV verdict(s) needs {1} employees per group (course {2} on {3} first).',
      ab_none: 'No IV verdict is inconclusive: no A/B test is needed.',
      coverage: 'Interval coverage against the planted effects', coverage_read: 'Share of 95 % intervals that contain the planted effect, over {0} course × KPI × department cells: {1}.',
      glossary: 'What the numbers mean',
      g_ab: '<b>ab_n</b> (ab_n_per_group in course_verdicts): the number of employees per group (treated and control) that a randomized A/B test needs to detect the minimal useful effect with the configured α and power; given only when the verdict is inconclusive (NULL otherwise).',
      g_cov: '<b>Coverage</b>: the share of 95 % confidence intervals that contain the true (planted) effect; a sound method covers about 95 %. The naive estimate covers far less: its intervals are narrow around a biased value.',
      g_ece: '<b>ECE</b> (expected calibration error, calibration_error): learners are binned by predicted probability; ECE is the mean gap between the predicted probability and the observed share in each bin, weighted by the bin\'s size. 0 = perfectly calibrated; 0.05 = predictions off by 5 points on average.',
      g_auc: '<b>AUC</b>: the chance that a random learner who dropped out gets a higher risk than a random one who did not (0.5 = guessing, 1 = perfect). <b>Brier</b>: the mean squared error of the probability (0 = perfect). <b>MAE</b>: the mean absolute error of the predicted m2_progress, in progress points.',
      g_mue: '<b>Minimal useful effect</b> (kpi_settings.min_useful_effect): the smallest benefit worth a course. recommend = the interval excludes 0 and the estimate reaches it; remove = the whole interval lies below it; inconclusive otherwise.',
      g_band: '<b>Risk bands</b>: high (dropout probability ≥ learnerscore.risk_band_high, default 0.7), medium (≥ learnerscore.risk_band_medium, default 0.4), low; the contact list shows reachable learners (not asleep) only.'
    },
    ru: {
      title: 'Отчёт learnerscore', schema: 'учебная схема', courses_schema: 'схема эффектов курсов',
      as_of: 'на дату', generated: 'создан', made_with: 'learnerscore {0}, графики — Apache ECharts {1} (Apache-2.0), встроены: файл открывается без сети.',
      toc: 'Содержание', none: 'Для этого раздела в схеме нет данных.',
      load: 'Загрузка', load_intro: 'Строки, загруженные из каждого файла (load_log), и строки, отклонённые загрузчиком (load_rejects), по причинам. Ничего не теряется молча.',
      load_files: 'Загружено строк по файлам', load_rejects: 'Отклонённые строки по причинам', file: 'файл', rows: 'строки', lines: 'строки', reason: 'причина',
      loaded: 'загружено', rejected: 'отклонено', load_none: 'Ещё ничего не загружено (learnerscore load DIR --schema S).',
      load_read: 'Из {1} файлов загружено строк: {0}; больше всего в {2} ({3}).',
      rejects_read: 'Отклонено строк данных: {0} из {1} ({2} %){3}.', load_read_top: ', чаще всего «{0}» ({1})', other: 'прочие',
      status: 'Статус активности по неделям курса', status_intro: 'Слушатели каждого курса по статусу активности в конце каждой недели курса (дни с последнего входа, просмотра, результата или вебинара: активен — меньше {0} дней, засыпает — меньше {1}, спит — дольше).',
      status_truth_intro: ' Пунктир: состояние, заложенное генератором (синтетические данные), с тем же накоплением.',
      status_chart: 'Курс {0}: слушатели по статусу, неделя за неделей', week: 'неделя курса', learners: 'слушатели',
      active: 'активен', falling_asleep: 'засыпает', asleep: 'спит', planted: 'заложено',
      status_read: 'К неделе {0} спят {1} % из {3} слушателей курса {2} и засыпают {4} %; доля спящих выросла сильнее всего между неделями {5} и {6} (+{7} п.){8}.',
      status_read_task: ', больше всего — на занятии {0} «{1}»',
      status_read_truth: ' Заложенное число спящих отличается от измеренного в среднем на {0} слушателей в неделю.',
      critical: 'Критические точки: где слушатели засыпают', critical_intro: 'Десять занятий каждого курса, на которых больше всего слушателей перешли в «засыпает» или «спит» (последнее открытое занятие в момент перехода).',
      critical_chart: 'Курс {0}: переходы в «засыпает» / «спит» по занятиям', task: 'занятие',
      critical_read: 'Больше всего слушателей курса {0} уснули на занятии {1} «{2}»: {3} ({4} % из {5}){6}.',
      critical_read_next: '; далее — занятия {0}',
      contacts: 'Список для связи', contacts_intro: 'Группы риска отсева из learner_scores (высокий: вероятность ≥ {0}, средний ≥ {1}, низкий — ниже; настройки learnerscore.risk_band_high и risk_band_medium) по курсам и 25 достижимых слушателей (не спящих) с наибольшим риском и тремя признаками, сильнее всего повышающими риск.',
      contacts_snapshot: ' Оценки из сохранённого снимка на {0}.', contacts_live: ' Оценки посчитаны из learner_scores в момент создания отчёта.',
      contacts_live_latest: ' Снимка на дату отчёта или раньше нет: это сегодняшние оценки.',
      bands_chart: 'Слушатели по группам риска отсева, по курсам', course: 'курс', high: 'высокий', medium: 'средний', low: 'низкий',
      bands_read: 'В группе высокого риска {0} из {1} слушателей ({2} %); {3} ещё достижимы (не спят).',
      col_rank: 'место в курсе', col_user: 'слушатель', col_status: 'статус', col_p: 'P(отсев)', col_pc: 'P(завершит)', col_band: 'группа', col_reasons: 'главные причины',
      quality: 'Качество моделей по неделям', quality_intro: 'Метрики недельных моделей на отложенных курсах (модель на них не обучалась): AUC (больше — лучше), оценка Брайера и ожидаемая ошибка калибровки (ECE, меньше — лучше) для отсева и завершения; средняя абсолютная ошибка прогноза m2_progress рядом с собственными цифрами заказчика.',
      quality_chart: 'Модели отсева и завершения: AUC, Брайер, ECE по неделям', metric: 'метрика (0–1)',
      quality_read: 'AUC модели отсева — от {0} на неделе 1 до {1} на неделе {2}, оценка Брайера — от {3} до {4}, ECE на неделе {2} — {5}.',
      mae_chart: 'm2_progress: средняя абсолютная ошибка по неделям', mae: 'MAE (пункты прогресса, 0–100)', baseline: 'случайный лес заказчика (его данные)',
      mae_read: 'MAE прогноза m2_progress — от {0} на неделе 1 до {1} на неделе {2} (пунктов из 100); случайный лес заказчика на его данных: 7,99 на неделе 1 и 2,86 на неделе 10.',
      reliability: 'Диаграмма надёжности: прогноз и наблюдаемый отсев', predicted: 'прогноз вероятности отсева', observed: 'наблюдаемая доля отсева', perfect: 'идеальная калибровка', bins: 'интервалы по 0,1',
      reliability_intro: 'Слушатели по интервалам выданной вероятности отсева (learner_scores) против доли действительно отсеявшихся (learner_targets). На обучающей выборке: выданные модели обучены на этих слушателях, так что это калибровка оценок как они выдаются; ECE на отложенных курсах — на графике выше.',
      reliability_read: 'Где модель в среднем говорит {0}, отсеялись {1} % слушателей (самый большой интервал, {2}); взвешенный средний разрыв (ECE на обучающей выборке) — {3}.',
      effects: 'Эффекты курсов', effects_intro: 'Эффект каждого курса на каждый KPI (все отделы): наивная разность средних (смещена: мотивированные сотрудники проходят больше курсов), AIPW (с поправкой на KPI до курса, стаж, отдел) и IV (случайное приглашение как инструмент), с 95 % интервалами. Пунктир — минимальный полезный эффект (МПЭ), с которым сравнивается вердикт; сплошная — нет эффекта.',
      forest_chart: 'Эффект на {0} по курсам: наивный, AIPW, IV (95 % ДИ)', effect_on: 'эффект на {0} ({1})', mue: 'минимальный полезный эффект', no_effect: 'нет эффекта', truth_pt: 'заложенный эффект',
      forest_read: 'По IV: {0}{1}.', forest_read_bias: '; наивная оценка отличается от IV в среднем на {0}', rec: 'рекомендовать', rem: 'убрать', inc: 'неясно',
      verdicts: 'Вердикты', col_course: 'курс', col_kpi: 'KPI', col_mue: 'МПЭ', col_abn: 'ab_n (IV)', col_title: 'название',
      ab: 'Размеры A/B-тестов', ab_intro: 'Сотрудников в группе, нужных A/B-тесту, чтобы обнаружить минимальный полезный эффект (α = {0}, мощность {1}), там, где вердикт IV неясен.',
      ab_chart: 'A/B-тест: сотрудников в группе, чтобы решить неясный вердикт', per_group: 'сотрудников в группе', cell: 'курс · KPI',
      ab_read: 'Неясных вердиктов IV: {0}; чтобы их решить, нужно от {1} до {2} сотрудников в группе; дешевле всего — курс {3}, {4} ({1}).',
      ab_read_same: 'Неясных вердиктов IV: {0}; для каждого нужно {1} сотрудников в группе (первым — курс {2}, {3}).',
      ab_none: 'Неясных вердиктов IV нет: A/B-тест не нужен.',
      coverage: 'Покрытие интервалов относительно заложенных эффектов', coverage_read: 'Доля 95 % интервалов, содержащих заложенный эффект, по {0} ячейкам курс × KPI × отдел: {1}.',
      glossary: 'Что значат числа',
      g_ab: '<b>ab_n</b> (ab_n_per_group в course_verdicts): сколько сотрудников в каждой группе (опытной и контрольной) нужно рандомизированному A/B-тесту, чтобы обнаружить минимальный полезный эффект при заданных α и мощности; указывается только для неясного вердикта (иначе NULL).',
      g_cov: '<b>Покрытие</b>: доля 95 % доверительных интервалов, содержащих истинный (заложенный) эффект; у корректного метода около 95 %. У наивной оценки намного меньше: её узкие интервалы стоят вокруг смещённого значения.',
      g_ece: '<b>ECE</b> (ожидаемая ошибка калибровки, calibration_error): слушатели делятся на интервалы по прогнозу; ECE — средний разрыв между прогнозом и наблюдаемой долей в интервале, взвешенный по его размеру. 0 — идеальная калибровка; 0,05 — прогноз ошибается в среднем на 5 пунктов.',
      g_auc: '<b>AUC</b>: вероятность, что случайный отсеявшийся слушатель получит риск выше, чем случайный неотсеявшийся (0,5 — угадывание, 1 — идеально). <b>Брайер</b>: средний квадрат ошибки вероятности (0 — идеально). <b>MAE</b>: средняя абсолютная ошибка прогноза m2_progress в пунктах прогресса.',
      g_mue: '<b>Минимальный полезный эффект</b> (kpi_settings.min_useful_effect): наименьшая польза, ради которой стоит курс. Рекомендовать — интервал не содержит 0 и оценка его достигает; убрать — весь интервал ниже него; иначе неясно.',
      g_band: '<b>Группы риска</b>: высокий (вероятность отсева ≥ learnerscore.risk_band_high, по умолчанию 0,7), средний (≥ learnerscore.risk_band_medium, по умолчанию 0,4), низкий; в списке для связи только достижимые слушатели (не спящие).'
    }
  }[LANG];
  var COLORS = { active: '#2e7d32', falling_asleep: '#f9a825', asleep: '#c62828', high: '#c62828', medium: '#f9a825', low: '#90a4ae',
                 naive: '#8d6e63', aipw: '#1565c0', iv: '#6a1b9a' };
  var KPI_UNITS = { en: { csat: 'csat points', handle_time: 'seconds', resolved_rate: 'share of contacts' },
                    ru: { csat: 'пункты csat', handle_time: 'секунды', resolved_rate: 'доля обращений' } }[LANG];

  function t(key) {
    var s = TXT[key] === undefined ? key : TXT[key];
    for (var i = 1; i < arguments.length; i++) s = s.split('{' + (i - 1) + '}').join(String(arguments[i]));
    return s;
  }
  function num(x, digits) {
    if (x === null || x === undefined || isNaN(x)) return '—';
    var s = Number(x).toFixed(digits === undefined ? 2 : digits);
    return LANG === 'ru' ? s.replace('.', ',') : s;
  }
  // a band threshold of the report's data (the settings), or the default when the data has none
  function bandNum(x, dflt) {
    var v = (x === null || x === undefined || isNaN(x)) ? dflt : Number(x);
    var s = String(Math.round(v * 1000) / 1000);
    return LANG === 'ru' ? s.replace('.', ',') : s;
  }
  function int(x) { return Number(x).toLocaleString(LANG === 'ru' ? 'ru-RU' : 'en-US'); }
  function pct(a, b) { return b > 0 ? num(100 * a / b, 1) : '—'; }
  function esc(s) {
    return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  function groupBy(rows, key) {
    var out = {}, order = [];
    rows.forEach(function (r) {
      var k = r[key];
      if (!(k in out)) { out[k] = []; order.push(k); }
      out[k].push(r);
    });
    return { map: out, keys: order };
  }
  function listText(items) {
    if (items.length <= 1) return items.join('');
    var and = LANG === 'ru' ? ' и ' : ' and ';
    return items.slice(0, -1).join(', ') + and + items[items.length - 1];
  }

  var main = document.getElementById('report');
  var toc = document.getElementById('toc');
  var CHARTS = [];
  window.lsReport = { charts: CHARTS, lang: LANG };

  function section(id, title, intro) {
    var s = el('section', { id: 'sec-' + id, 'class': 'section' });
    s.appendChild(el('h2', {}, esc(title)));
    if (intro) s.appendChild(el('p', { 'class': 'intro' }, intro));
    main.appendChild(s);
    var li = el('li');
    li.appendChild(el('a', { href: '#sec-' + id }, esc(title)));
    toc.appendChild(li);
    return s;
  }
  // One chart: a titled ECharts instance and the reading under it.
  function chart(parent, id, option, reading, height) {
    var box = el('figure', { 'class': 'figure' });
    var div = el('div', { id: 'chart-' + id, 'class': 'chart', 'data-chart': id });
    div.style.height = (height || 340) + 'px';
    box.appendChild(div);
    var cap = el('figcaption', { 'class': 'reading', id: 'reading-' + id }, esc(reading));
    box.appendChild(cap);
    parent.appendChild(box);
    var inst = echarts.init(div, null, { renderer: 'canvas' });
    option.animation = false;
    option.textStyle = { fontFamily: 'DejaVu Sans, Arial, sans-serif' };
    option.title = Object.assign({ left: 'center', textStyle: { fontSize: 15 } }, option.title);
    if (!option.grid) option.grid = { left: 60, right: 30, top: 70, bottom: 60, containLabel: true };
    if (option.legend) option.legend = Object.assign({ top: 28, type: 'scroll' }, option.legend);
    inst.setOption(option);
    CHARTS.push(id);
    return inst;
  }
  function axis(name, extra) {
    var a = Object.assign({ name: name, nameLocation: 'middle', nameGap: 32, nameTextStyle: { fontWeight: 'bold' } }, extra || {});
    if (a.inverse && a.nameLocation === 'end') a.nameLocation = 'start';  // an inverted axis starts at the top
    return a;
  }
  function empty(sec, text) { sec.appendChild(el('p', { 'class': 'empty' }, esc(text || t('none')))); }
  function table(parent, head, rows) {
    var tb = el('table', { 'class': 'data' });
    var tr = el('tr');
    head.forEach(function (h) { tr.appendChild(el('th', {}, esc(h))); });
    tb.appendChild(tr);
    rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (c) { row.appendChild(el('td', {}, esc(c))); });
      tb.appendChild(row);
    });
    parent.appendChild(tb);
    return tb;
  }

  // header
  document.title = t('title') + (D.meta.schema ? ' — ' + D.meta.schema : '');
  document.getElementById('h-title').textContent = t('title');
  document.getElementById('h-toc').textContent = t('toc');
  var meta = [];
  if (D.meta.schema) meta.push(t('schema') + ': ' + D.meta.schema);
  if (D.meta.courses_schema) meta.push(t('courses_schema') + ': ' + D.meta.courses_schema);
  meta.push(t('as_of') + ' ' + D.meta.as_of);
  meta.push(t('generated') + ' ' + D.meta.generated_at);
  document.getElementById('h-meta').textContent = meta.join(' · ');
  document.getElementById('h-made').textContent = t('made_with', D.meta.version, D.meta.echarts);

  // 1. the load
  if (D.load && !(D.load.files || []).length) {
    empty(section('load', t('load'), esc(t('load_intro'))), t('load_none'));
  } else if (D.load) {
    var sl = section('load', t('load'), esc(t('load_intro')));
    var files = D.load.files || [];
    var loaded = files.reduce(function (a, f) { return a + Number(f.loaded); }, 0);
    var rj = D.load.rejects || [];
    var lines = files.reduce(function (a, f) { return a + Number(f.lines); }, 0);
    var top = rj.length ? t('load_read_top', rj[0].reason === 'other' ? t('other') : rj[0].reason, int(rj[0].n)) : '';
    var biggest = files.slice().sort(function (a, b) { return b.loaded - a.loaded; })[0] || { file: '—', loaded: 0 };
    chart(sl, 'load-files', {
      title: { text: t('load_files') },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { data: [t('loaded'), t('rejected')] },
      grid: { left: 40, right: 40, top: 70, bottom: 50, containLabel: true },
      xAxis: axis(t('rows'), { type: 'log', logBase: 10, min: 0.5, axisLabel: { formatter: function (v) { return v < 1 ? '' : int(v); } } }),
      yAxis: axis(t('file'), { type: 'category', data: files.map(function (f) { return f.file; }), nameGap: 10, nameLocation: 'end' }),
      series: [
        { name: t('loaded'), type: 'bar', data: files.map(function (f) { return Number(f.loaded) > 0 ? Number(f.loaded) : null; }), itemStyle: { color: '#1565c0' } },
        { name: t('rejected'), type: 'bar', data: files.map(function (f) { return Number(f.rejected) > 0 ? Number(f.rejected) : null; }), itemStyle: { color: '#c62828' },
          label: { show: true, position: 'right', fontSize: 10, formatter: function (p) { return int(p.value); } } }
      ]
    }, t('load_read', int(loaded), files.length, biggest.file, int(biggest.loaded)), 60 + 40 * files.length + 60);
    if (rj.length) {
      chart(sl, 'load-rejects', {
        title: { text: t('load_rejects') },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        grid: { left: 40, right: 40, top: 50, bottom: 50, containLabel: true },
        xAxis: axis(t('lines'), { type: 'value', minInterval: 1 }),
        yAxis: axis(t('reason'), { type: 'category', inverse: true, nameGap: 10, nameLocation: 'end',
                                    data: rj.map(function (r) { return r.reason === 'other' ? t('other') : r.reason; }),
                                    axisLabel: { width: 380, overflow: 'truncate' } }),
        series: [{ name: t('rejected'), type: 'bar', data: rj.map(function (r) { return Number(r.n); }), itemStyle: { color: '#c62828' },
                   label: { show: true, position: 'right' } }]
      }, t('rejects_read', int(D.load.rejects_total), int(lines), pct(D.load.rejects_total, lines), top),
      60 + 32 * rj.length + 60);
    }
  }

  // 2. activity status by course week
  var critByCourse = D.critical ? groupBy(D.critical, 'course_id').map : {};
  if (D.status) {
    var th = D.status.thresholds || { falling_asleep_days: 7, asleep_days: 20 };
    var ss = section('status', t('status'), esc(t('status_intro', th.falling_asleep_days, th.asleep_days) + (D.status.truth ? t('status_truth_intro') : '')));
    var g = groupBy(D.status.weeks || [], 'course_id');
    var truth = D.status.truth ? groupBy(D.status.truth, 'course_id').map : null;
    if (!g.keys.length) empty(ss);
    g.keys.forEach(function (c) {
      var rows = g.map[c];
      var weeks = rows.map(function (r) { return String(r.week); });
      var statuses = ['active', 'falling_asleep', 'asleep'];
      var series = statuses.map(function (st) {
        return { name: t(st), type: 'line', stack: 'measured', areaStyle: { opacity: 0.75 }, symbol: 'none',
                 lineStyle: { width: 1 }, itemStyle: { color: COLORS[st] }, data: rows.map(function (r) { return Number(r[st]); }) };
      });
      var tr = truth && truth[c] ? truth[c] : null;
      if (tr) {
        var byWeek = {};
        tr.forEach(function (r) { byWeek[r.week] = r; });
        statuses.forEach(function (st) {
          series.push({ name: t('planted') + ': ' + t(st), type: 'line', stack: 'planted', symbol: 'none',
                        lineStyle: { type: 'dashed', width: 2, color: COLORS[st] }, itemStyle: { color: COLORS[st] },
                        data: rows.map(function (r) { return byWeek[r.week] ? Number(byWeek[r.week][st]) : 0; }) });
        });
      }
      var last = rows[rows.length - 1];
      var n = Number(last.active) + Number(last.falling_asleep) + Number(last.asleep);
      var best = 1, gain = -1;
      for (var i = 1; i < rows.length; i++) {
        var tot = Number(rows[i].active) + Number(rows[i].falling_asleep) + Number(rows[i].asleep);
        var tot0 = Number(rows[i - 1].active) + Number(rows[i - 1].falling_asleep) + Number(rows[i - 1].asleep);
        var d = (tot ? rows[i].asleep / tot : 0) - (tot0 ? rows[i - 1].asleep / tot0 : 0);
        if (d > gain) { gain = d; best = i; }
      }
      var cr = critByCourse[c] && critByCourse[c][0];
      var taskTxt = cr ? t('status_read_task', cr.task_id, cr.task || '?') : '';
      var reading = rows.length > 1
        ? t('status_read', last.week, pct(last.asleep, n), c, int(n), pct(last.falling_asleep, n), rows[best - 1].week, rows[best].week, num(100 * Math.max(0, gain), 1), taskTxt)
        : t('status_read', last.week, pct(last.asleep, n), c, int(n), pct(last.falling_asleep, n), 1, 1, num(0, 1), taskTxt);
      if (tr) {
        var diff = 0;
        var bw = {};
        tr.forEach(function (r) { bw[r.week] = r; });
        rows.forEach(function (r) { diff += Math.abs(Number(r.asleep) - Number(bw[r.week] ? bw[r.week].asleep : 0)); });
        reading += t('status_read_truth', num(diff / rows.length, 1));
      }
      chart(ss, 'status-' + c, {
        title: { text: t('status_chart', c) },
        tooltip: { trigger: 'axis' },
        legend: { data: series.map(function (s) { return s.name; }) },
        xAxis: axis(t('week'), { type: 'category', boundaryGap: false, data: weeks }),
        yAxis: axis(t('learners'), { type: 'value', nameGap: 45 }),
        series: series
      }, reading);
    });
  }

  // 3. critical points
  if (D.critical) {
    var sc = section('critical', t('critical'), esc(t('critical_intro')));
    var gc = groupBy(D.critical, 'course_id');
    if (!gc.keys.length) empty(sc);
    gc.keys.forEach(function (c) {
      var rows = gc.map[c];
      var labels = rows.map(function (r) {
        var name = r.task || '';
        return r.task_id + (name ? ' · ' + (name.length > 34 ? name.slice(0, 33) + '…' : name) : '');
      });
      var r0 = rows[0];
      var next = rows.slice(1, 3).map(function (r) { return String(r.task_id); });
      chart(sc, 'critical-' + c, {
        title: { text: t('critical_chart', c) },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        legend: { data: [t('falling_asleep'), t('asleep')] },
        grid: { left: 40, right: 40, top: 70, bottom: 50, containLabel: true },
        xAxis: axis(t('learners'), { type: 'value', minInterval: 1 }),
        yAxis: axis(t('task'), { type: 'category', inverse: true, data: labels, nameGap: 10, nameLocation: 'end' }),
        series: [
          { name: t('falling_asleep'), type: 'bar', data: rows.map(function (r) { return Number(r.falling_asleep); }), itemStyle: { color: COLORS.falling_asleep } },
          { name: t('asleep'), type: 'bar', data: rows.map(function (r) { return Number(r.asleep); }), itemStyle: { color: COLORS.asleep } }
        ]
      }, t('critical_read', c, r0.task_id, r0.task || '?', int(r0.asleep), pct(r0.asleep, r0.learners), int(r0.learners),
           next.length ? t('critical_read_next', listText(next)) : ''), 90 + 34 * rows.length + 50);
    });
  }

  // 4. the contact list
  if (D.scores) {
    var S = D.scores;
    var src = S.source === 'snapshot' ? t('contacts_snapshot', S.as_of) : S.source === 'live-latest' ? t('contacts_live_latest') : t('contacts_live');
    var sk = section('contacts', t('contacts'), esc(t('contacts_intro', bandNum(S.totals.band_high, 0.7), bandNum(S.totals.band_medium, 0.4)) + src));
    var gb = groupBy(S.bands, 'course_id');
    var bands = ['high', 'medium', 'low'];
    chart(sk, 'bands', {
      title: { text: t('bands_chart') },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { data: bands.map(t) },
      xAxis: axis(t('course'), { type: 'category', data: gb.keys.map(String) }),
      yAxis: axis(t('learners'), { type: 'value', nameGap: 45 }),
      series: bands.map(function (b) {
        return { name: t(b), type: 'bar', stack: 'bands', itemStyle: { color: COLORS[b] },
                 data: gb.keys.map(function (c) {
                   var r = gb.map[c].filter(function (x) { return x.band === b; })[0];
                   return r ? Number(r.n) : 0;
                 }) };
      })
    }, t('bands_read', int(S.totals.high), int(S.totals.learners), pct(S.totals.high, S.totals.learners), int(S.totals.reachable)));
    table(sk, [t('col_course'), t('col_rank'), t('col_user'), t('col_status'), t('col_p'), t('col_pc'), t('col_band'), t('col_reasons')],
          S.contacts.map(function (r) {
            return [r.course_id, r.rank, r.user_id, t(r.status || '—'), num(r.p_dropout, 3), num(r.p_complete, 3), t(r.band), (r.reasons || []).map(function (x) { return '• ' + x; }).join('\n')];
          })).id = 'contacts-table';
  }

  // 5. model quality
  if (D.metrics && D.metrics.length) {
    var sq = section('quality', t('quality'), esc(t('quality_intro')));
    var gm = groupBy(D.metrics, 'target').map;
    var prob = ['dropout', 'completion'].filter(function (k) { return gm[k]; });
    var allWeeks = [];
    D.metrics.forEach(function (m) { if (allWeeks.indexOf(m.week) < 0) allWeeks.push(m.week); });
    allWeeks.sort(function (a, b) { return a - b; });
    var qs = [];
    var mcol = { auc: '#1565c0', brier: '#6a1b9a', ece: '#ef6c00' };
    prob.forEach(function (k) {
      ['auc', 'brier', 'ece'].forEach(function (m) {
        qs.push({ name: k + ' ' + m.toUpperCase().replace('BRIER', 'Brier'), type: 'line', symbolSize: 7,
                  symbol: k === 'dropout' ? 'circle' : 'triangle',
                  lineStyle: { type: k === 'dropout' ? 'solid' : 'dashed', width: 2, color: mcol[m] }, itemStyle: { color: mcol[m] },
                  data: gm[k].map(function (r) { return [String(r.week), r[m]]; }) });
      });
    });
    var dr = gm.dropout || [];
    if (qs.length) {
      var d1 = dr[0] || {}, dl = dr[dr.length - 1] || {};
      chart(sq, 'quality', {
        title: { text: t('quality_chart') },
        tooltip: { trigger: 'axis' },
        legend: { data: qs.map(function (s) { return s.name; }) },
        xAxis: axis(t('week'), { type: 'category', data: allWeeks.map(String) }),
        yAxis: axis(t('metric'), { type: 'value', min: 0, max: 1, nameGap: 40 }),
        series: qs
      }, t('quality_read', num(d1.auc, 3), num(dl.auc, 3), dl.week, num(d1.brier, 3), num(dl.brier, 3), num(dl.ece, 3)));
    }
    if (gm.m2_progress) {
      var mp = gm.m2_progress;
      chart(sq, 'mae', {
        title: { text: t('mae_chart') },
        tooltip: { trigger: 'axis' },
        legend: { data: ['m2_progress MAE', t('baseline')] },
        xAxis: axis(t('week'), { type: 'category', data: allWeeks.map(String) }),
        yAxis: axis(t('mae'), { type: 'value', min: 0, nameGap: 40 }),
        series: [
          { name: 'm2_progress MAE', type: 'line', symbolSize: 7, itemStyle: { color: '#1565c0' }, data: mp.map(function (r) { return [String(r.week), r.mae]; }) },
          { name: t('baseline'), type: 'scatter', symbol: 'diamond', symbolSize: 13, itemStyle: { color: '#ef6c00' },
            data: D.baseline.m2_progress_mae.filter(function (b) { return allWeeks.indexOf(b.week) >= 0; }).map(function (b) { return [String(b.week), b.mae]; }) }
        ]
      }, t('mae_read', num(mp[0].mae, 2), num(mp[mp.length - 1].mae, 2), mp[mp.length - 1].week));
    }
  }
  if (D.scores && D.scores.reliability && D.scores.reliability.length) {
    var parent = document.getElementById('sec-quality') || section('quality', t('quality'), '');
    parent.appendChild(el('p', { 'class': 'intro' }, esc(t('reliability_intro'))));
    var rb = D.scores.reliability;
    var totalN = rb.reduce(function (a, r) { return a + Number(r.n); }, 0);
    var ece = rb.reduce(function (a, r) { return a + Number(r.n) * Math.abs(r.predicted - r.observed); }, 0) / Math.max(1, totalN);
    var big = rb.slice().sort(function (a, b) { return b.n - a.n; })[0];
    chart(parent, 'reliability', {
      title: { text: t('reliability') },
      tooltip: { trigger: 'item', formatter: function (p) { return p.seriesName + '<br>' + num(p.value[0], 3) + ' → ' + num(p.value[1], 3) + (p.value[2] ? ' (n = ' + p.value[2] + ')' : ''); } },
      legend: { data: [t('bins'), t('perfect')] },
      xAxis: axis(t('predicted'), { type: 'value', min: 0, max: 1 }),
      yAxis: axis(t('observed'), { type: 'value', min: 0, max: 1, nameGap: 40 }),
      series: [
        { name: t('perfect'), type: 'line', symbol: 'none', lineStyle: { type: 'dashed', color: '#777' }, itemStyle: { color: '#777' }, data: [[0, 0], [1, 1]] },
        { name: t('bins'), type: 'scatter', itemStyle: { color: COLORS.asleep },
          symbolSize: function (v) { return 6 + 24 * Math.sqrt(v[2] / Math.max(1, big.n)); },
          data: rb.map(function (r) { return [r.predicted, r.observed, r.n]; }) }
      ]
    }, t('reliability_read', num(big.predicted, 2), num(100 * big.observed, 0), 'n = ' + big.n, num(ece, 3)), 420);
  }

  // 6. course effects (forest plots), verdicts, coverage
  if (D.effects) {
    var E = D.effects;
    var se = section('effects', t('effects'), esc(t('effects_intro')));
    var gk = groupBy(E.rows, 'kpi');
    var methods = ['naive', 'aipw', 'iv'];
    var offsets = { naive: -0.25, aipw: 0, iv: 0.25 };
    var truthBy = {};
    (E.truth || []).forEach(function (r) { truthBy[r.kpi + '/' + r.course_id] = r.effect; });
    gk.keys.forEach(function (kpi) {
      var rows = gk.map[kpi];
      var courses = [];
      rows.forEach(function (r) { if (courses.indexOf(r.course_id) < 0) courses.push(r.course_id); });
      var labels = courses.map(function (c) {
        var r = rows.filter(function (x) { return x.course_id === c; })[0];
        var title = r && r.title ? ' · ' + (r.title.length > 26 ? r.title.slice(0, 25) + '…' : r.title) : '';
        return String(c) + title;
      });
      var mue = rows[0].mue, hib = rows[0].higher_is_better;
      var mueLine = hib ? mue : -mue;
      var series = methods.map(function (m) {
        var data = courses.map(function (c, i) {
          var r = rows.filter(function (x) { return x.course_id === c && x.method === m; })[0];
          return r && r.estimate !== null ? [r.estimate, i, r.ci_low, r.ci_high, r.verdict] : [null, i, null, null, null];
        }).filter(function (d) { return d[0] !== null; });
        return {
          name: m.toUpperCase().replace('NAIVE', 'naive'), type: 'custom', itemStyle: { color: COLORS[m] },
          encode: { x: [0, 2, 3], y: 1 },
          renderItem: function (params, api) {
            var y = api.value(1), est = api.coord([api.value(0), y]);
            var lo = api.coord([api.value(2), y]), hi = api.coord([api.value(3), y]);
            var band = api.size([0, 1])[1];
            var dy = offsets[m] * band;
            var color = api.visual('color');
            return { type: 'group', children: [
              { type: 'line', shape: { x1: lo[0], y1: lo[1] + dy, x2: hi[0], y2: hi[1] + dy }, style: { stroke: color, lineWidth: 2 } },
              { type: 'line', shape: { x1: lo[0], y1: lo[1] + dy - 4, x2: lo[0], y2: lo[1] + dy + 4 }, style: { stroke: color, lineWidth: 2 } },
              { type: 'line', shape: { x1: hi[0], y1: hi[1] + dy - 4, x2: hi[0], y2: hi[1] + dy + 4 }, style: { stroke: color, lineWidth: 2 } },
              { type: 'circle', shape: { cx: est[0], cy: est[1] + dy, r: 5 }, style: { fill: color } }
            ] };
          },
          data: data
        };
      });
      var dg = Math.abs(mue) < 0.1 ? 3 : 2;
      series[0].markLine = { silent: true, symbol: 'none', label: { formatter: '{b}', position: 'start', fontSize: 11 }, data: [
        { name: '0', xAxis: 0, lineStyle: { color: '#333', type: 'solid' }, label: { color: '#333' } },
        { name: 'MUE ' + num(mueLine, dg), xAxis: mueLine, lineStyle: { color: '#2e7d32', type: 'dashed', width: 2 }, label: { color: '#2e7d32' } }
      ] };
      if (E.truth) {
        series.push({ name: t('truth_pt'), type: 'scatter', symbol: 'diamond', symbolSize: 12, itemStyle: { color: '#000' },
                      data: courses.map(function (c, i) { return [truthBy[kpi + '/' + c], i]; }).filter(function (d) { return d[0] !== undefined; }) });
      }
      var iv = rows.filter(function (r) { return r.method === 'iv'; });
      var parts = [];
      [['recommend', 'rec'], ['remove', 'rem'], ['inconclusive', 'inc']].forEach(function (v) {
        var cs = iv.filter(function (r) { return r.verdict === v[0]; }).map(function (r) { return String(r.course_id); });
        if (cs.length) parts.push(t(v[1]) + ' ' + listText(cs));
      });
      var bias = 0, nb = 0;
      courses.forEach(function (c) {
        var a = rows.filter(function (x) { return x.course_id === c && x.method === 'naive'; })[0];
        var b = rows.filter(function (x) { return x.course_id === c && x.method === 'iv'; })[0];
        if (a && b && a.estimate !== null && b.estimate !== null) { bias += Math.abs(a.estimate - b.estimate); nb++; }
      });
      var unit = KPI_UNITS[kpi] || 'KPI units';
      chart(se, 'forest-' + kpi, {
        title: { text: t('forest_chart', kpi) },
        tooltip: { trigger: 'item', formatter: function (p) { var v = p.value; return p.seriesName + ' · ' + esc(labels[v[1]]) + '<br>' + num(v[0], dg) + (v[2] !== undefined ? ' [' + num(v[2], dg) + ', ' + num(v[3], dg) + '] ' + t(v[4] === 'recommend' ? 'rec' : v[4] === 'remove' ? 'rem' : 'inc') : ''); } },
        legend: { data: series.map(function (s) { return s.name; }) },
        grid: { left: 40, right: 60, top: 84, bottom: 60, containLabel: true },
        xAxis: axis(t('effect_on', kpi, unit), { type: 'value', scale: true }),
        yAxis: axis(t('course'), { type: 'category', data: labels, inverse: true, nameGap: 22, nameLocation: 'end',
                                   axisLine: { onZero: false } }),
        series: series
      }, t('forest_read', parts.join('; '), nb ? t('forest_read_bias', num(bias / nb, dg) + ' (' + unit + ')') : ''), 100 + 46 * courses.length + 60);
    });
    if (E.coverage) {
      se.appendChild(el('h3', {}, esc(t('coverage'))));
      var cells = E.coverage.length ? E.coverage[0].cells : 0;
      se.appendChild(el('p', { 'class': 'reading', id: 'reading-coverage' }, esc(t('coverage_read', cells,
        E.coverage.map(function (r) { return r.method + ' ' + num(100 * r.coverage, 1) + ' %'; }).join(', ')))));
    }
    se.appendChild(el('h3', {}, esc(t('verdicts'))));
    var vrows = [];
    gk.keys.forEach(function (kpi) {
      var rows = gk.map[kpi];
      var cs = [];
      var vd = Math.abs(rows[0].mue) < 0.1 ? 3 : 2;
      rows.forEach(function (r) { if (cs.indexOf(r.course_id) < 0) cs.push(r.course_id); });
      cs.forEach(function (c) {
        var line = [c, (rows.filter(function (x) { return x.course_id === c; })[0] || {}).title || '', kpi];
        var ab = null;
        methods.forEach(function (m) {
          var r = rows.filter(function (x) { return x.course_id === c && x.method === m; })[0];
          line.push(r ? num(r.estimate, vd) + ' [' + num(r.ci_low, vd) + ', ' + num(r.ci_high, vd) + '] ' + t(r.verdict === 'recommend' ? 'rec' : r.verdict === 'remove' ? 'rem' : 'inc') : '—');
          if (r && m === 'iv') ab = r.ab_n;
        });
        line.push(num(rows[0].higher_is_better ? rows[0].mue : -rows[0].mue, vd));
        line.push(ab === null || ab === undefined ? '—' : int(ab));
        vrows.push(line);
      });
    });
    table(se, [t('col_course'), t('col_title'), t('col_kpi'), 'naive', 'AIPW', 'IV', t('col_mue'), t('col_abn')], vrows).id = 'verdicts-table';

    // 7. A/B sizes
    var st = E.settings || { alpha: 0.05, power: 0.8 };
    var sa = section('ab', t('ab'), esc(t('ab_intro', num(st.alpha, 2), num(st.power, 2))));
    var abRows = E.rows.filter(function (r) { return r.method === 'iv' && r.ab_n !== null && r.ab_n !== undefined; })
                       .sort(function (a, b) { return a.ab_n - b.ab_n; });
    if (!abRows.length) {
      empty(sa, t('ab_none'));
    } else {
      var mx = abRows[abRows.length - 1].ab_n, mn = abRows[0].ab_n;
      chart(sa, 'ab', {
        title: { text: t('ab_chart') },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        grid: { left: 40, right: 60, top: 50, bottom: 50, containLabel: true },
        xAxis: axis(t('per_group'), mx / Math.max(1, mn) > 50 ? { type: 'log', logBase: 10 } : { type: 'value' }),
        yAxis: axis(t('cell'), { type: 'category', inverse: true, nameGap: 10, nameLocation: 'end',
                                 data: abRows.map(function (r) { return r.course_id + ' · ' + r.kpi; }) }),
        series: [{ name: t('per_group'), type: 'bar', itemStyle: { color: COLORS.iv }, label: { show: true, position: 'right' },
                   data: abRows.map(function (r) { return Number(r.ab_n); }) }]
      }, mn === mx ? t('ab_read_same', abRows.length, int(mn), abRows[0].course_id, abRows[0].kpi)
                   : t('ab_read', abRows.length, int(mn), int(mx), abRows[0].course_id, abRows[0].kpi), 60 + 30 * abRows.length + 60);
    }
  }

  // glossary
  var sg = section('glossary', t('glossary'), '');
  var ul = el('ul', { 'class': 'glossary' });
  ['g_ab', 'g_cov', 'g_ece', 'g_auc', 'g_mue', 'g_band'].forEach(function (k) { ul.appendChild(el('li', {}, TXT[k])); });
  sg.appendChild(ul);

  window.addEventListener('resize', function () {
    CHARTS.forEach(function (id) { echarts.getInstanceByDom(document.getElementById('chart-' + id)).resize(); });
  });
  document.body.setAttribute('data-ready', 'true');
})();
