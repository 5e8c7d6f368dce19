// The attention explorer: plain browser JavaScript against the server's own routes, no build step.
'use strict';

const $ = (id) => document.getElementById(id);
let models = [];
let current = null;

// cividis, sampled at nine points (matplotlib's table) and interpolated linearly.
const CIVIDIS = [[0, 34, 78], [35, 62, 110], [78, 88, 107], [111, 113, 115], [143, 138, 121],
                 [178, 166, 116], [213, 196, 102], [247, 228, 78], [253, 234, 69]];

function color(v) {
  const x = Math.min(1, Math.max(0, v)) * (CIVIDIS.length - 1);
  const i = Math.min(CIVIDIS.length - 2, Math.floor(x));
  const t = x - i;
  return CIVIDIS[i].map((c, j) => Math.round(c + t * (CIVIDIS[i + 1][j] - c)));
}

function headers(extra) {
  const h = Object.assign({}, extra || {});
  const key = $('api-key').value.trim();
  if (key) {
    h['Authorization'] = 'Bearer ' + key;
    localStorage.setItem('vit4j-api-key', key);
  }
  return h;
}

function status(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

async function errorOf(response) {
  try {
    return (await response.json()).error || response.statusText;
  } catch (e) {
    return response.status + ' ' + response.statusText;
  }
}

async function loadModels() {
  const response = await fetch('v1/models', {headers: headers()});
  if (!response.ok) {
    status('cannot list models: ' + await errorOf(response), true);
    return;
  }
  models = (await response.json()).models;
  const select = $('model');
  select.innerHTML = '';
  for (const m of models) {
    const option = document.createElement('option');
    option.value = m.name;
    option.textContent = m.name + (m.architecture && m.architecture !== m.name ? ' (' + m.architecture + ')' : '');
    select.appendChild(option);
  }
  status(models.length ? 'Ready: drop an image.' : 'No models.');
}

// One map over the patch grid, min-max scaled, drawn at `size` pixels with square patches.
function drawMap(canvas, map, grid, size) {
  const [gh, gw] = grid;
  canvas.width = gw;
  canvas.height = gh;
  canvas.style.width = size + 'px';
  canvas.style.height = Math.round(size * gh / gw) + 'px';
  let min = Infinity;
  let max = -Infinity;
  for (const v of map) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(gw, gh);
  for (let i = 0; i < gh * gw; i++) {
    const rgb = color(max > min ? (map[i] - min) / (max - min) : 0);
    img.data.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

function showPredictions(predictions) {
  const list = $('predictions');
  list.innerHTML = '';
  for (const p of predictions) {
    const item = document.createElement('li');
    item.textContent = p.label + ' — ' + (100 * p.probability).toFixed(2) + ' %';
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = Math.max(1, Math.round(120 * p.probability)) + 'px';
    item.appendChild(bar);
    list.appendChild(item);
  }
}

function showBlocks(view) {
  const box = $('blocks');
  box.innerHTML = '';
  for (const b of view.blocks) {
    const section = document.createElement('div');
    section.className = 'block';
    const title = document.createElement('h3');
    title.textContent = b.block + (b.heads ? ' · class-token attention per head' : ' · mean over heads and latents');
    section.appendChild(title);
    const row = document.createElement('div');
    row.className = 'heads';
    const maps = b.heads ? b.heads.map((h, i) => ['head ' + i, h]) : [['mean', b.mean]];
    for (const [label, map] of maps) {
      const fig = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.className = 'head-map';
      drawMap(canvas, map, view.grid, 112);
      const caption = document.createElement('figcaption');
      caption.textContent = label;
      fig.appendChild(canvas);
      fig.appendChild(caption);
      row.appendChild(fig);
    }
    section.appendChild(row);
    box.appendChild(section);
  }
  $('rollout-box').hidden = !view.rollout;
  if (view.rollout) {
    drawMap($('rollout'), view.rollout, view.grid, 160);
  }
}

async function explore(file) {
  if (!file) {
    return;
  }
  current = file;
  $('preview').src = URL.createObjectURL(file);
  const name = $('model').value;
  status('Running ' + name + ' on ' + file.name + ' …');
  const url = 'v1/models/' + encodeURIComponent(name) + '/attention?k=5';
  const [json, png] = await Promise.all([
    fetch(url, {method: 'POST', body: file, headers: headers({'Content-Type': 'application/octet-stream'})}),
    fetch(url, {method: 'POST', body: file,
                headers: headers({'Content-Type': 'application/octet-stream', 'Accept': 'image/png'})}),
  ]);
  if (!json.ok) {
    status(file.name + ': ' + await errorOf(json), true);
    $('results').hidden = true;
    return;
  }
  const view = await json.json();
  showPredictions(view.predictions);
  showBlocks(view);
  if (png.ok) {
    const old = $('overlay').src;
    $('overlay').src = URL.createObjectURL(await png.blob());
    if (old.startsWith('blob:')) {
      URL.revokeObjectURL(old);
    }
    $('overlay-caption').textContent = 'saliency of ' + view.saliency_block + ' over the ' + view.input.join('×') + ' input';
  }
  $('results').hidden = false;
  status(file.name + ' · ' + name + ' · done.');
}

$('file').addEventListener('change', (e) => explore(e.target.files[0]));
$('model').addEventListener('change', () => explore(current));
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  explore(e.dataTransfer.files[0]);
});
$('api-key').value = localStorage.getItem('vit4j-api-key') || '';
$('api-key').addEventListener('change', loadModels);
loadModels();
