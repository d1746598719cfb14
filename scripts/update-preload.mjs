// Rewrites the <link rel="modulepreload"> list in pwa/index.html from main.js's static imports
// (tests/js checks they match). Run after adding or removing a static import: node scripts/update-preload.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PWA = resolve(dirname(fileURLToPath(import.meta.url)), '../pwa');
const seen = new Set();
const walk = (file) => {
  if (seen.has(file)) return;
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s(?:[^'"]*?from\s+)?'([^']+)'/g)) {
    walk(resolve(dirname(file), m[1]));
  }
};
walk(join(PWA, 'app/main.js'));
seen.delete(join(PWA, 'app/main.js'));
const links = [...seen].map((f) => `/static/${relative(PWA, f)}`).sort()
  .map((url) => `  <link rel="modulepreload" href="${url}">\n`).join('');
const index = join(PWA, 'index.html');
const html = readFileSync(index, 'utf8').replace(/ {2}<link rel="modulepreload"[^\n]*\n/g, '');
writeFileSync(index, html.replace(/( {2}<!-- the whole module graph[^\n]*\n)/, `$1${links}`));
console.log(`${seen.size} modules preloaded`);
