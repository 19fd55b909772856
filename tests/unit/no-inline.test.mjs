// What a strict Content-Security-Policy refuses, kept out of the widget's source: inline styles (a <style> element,
// a style="" attribute, setAttribute('style', …)), inline event handlers, and code compiled from strings. The e2e
// test (tests/e2e/csp.test.mjs) sees the views it exercises; this reads every file, so markup no test reaches
// (a dialog, an error path) is covered too.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const FORBIDDEN = [
  [/<style[\s>]/i, 'a <style> element'],
  [/\sstyle\s*=\s*["'`$]/i, 'a style="" attribute'],
  [/setAttribute\(\s*['"`]style['"`]/, "setAttribute('style', …)"],
  [/<[a-z][^>]*\son[a-z]+\s*=/i, 'an inline event handler'],
  [/\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(\s*['"`]/, 'code compiled from a string'],
  [/\bset(Timeout|Interval)\s*\(\s*['"`]/, 'a timer given a string'],
];

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('no file in www/ uses what a strict CSP refuses', () => {
  const found = [];
  for (const file of sources('www')) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) return; // comments may name what they avoid
      const code = line.replace(/\s\/\/\s.*$/, '');
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(code)) found.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('the patterns catch what they are for', () => {
  const hits = (line) => FORBIDDEN.filter(([pattern]) => pattern.test(line)).map(([, what]) => what);
  assert.deepEqual(hits('host.innerHTML = `<style>${STYLES}</style>`;'), ['a <style> element']);
  assert.deepEqual(hits('`<span style="--c:${c}">`'), ['a style="" attribute']);
  assert.deepEqual(hits("el.setAttribute('style', 'color: red')"), ["setAttribute('style', …)"]);
  assert.deepEqual(hits('`<button onclick="go()">`'), ['an inline event handler']);
  assert.deepEqual(hits("new Function('return 1')"), ['code compiled from a string']);
  assert.deepEqual(hits("setTimeout('tick()', 10)"), ['a timer given a string']);
  assert.deepEqual(hits("span.style.setProperty('--c', colour); const evaluate = () => model.evaluate();"), []);
});
