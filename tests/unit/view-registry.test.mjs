// The view registry (www/element/view-registry.ts) is the one list of views: the template, the `views` attribute's
// names, the sections and the parts follow from it, and what else names them (settings.ts's VIEW_NAMES, the element's
// `@csspart` doc comment, the views' own DOM) must agree with it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const registry = await importWww('www/element/view-registry.ts');
const settings = await importWww('www/settings.ts');

test('the sections, in order, are the names the `views` attribute takes', () => {
  assert.deepEqual(registry.SECTIONS, [...settings.VIEW_NAMES]);
});

test('the template has one host per view, one section per name, in the registry’s order', () => {
  const template = registry.viewTemplate();
  const hosts = [...template.matchAll(/data-view="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual([...hosts].sort(), registry.VIEWS.map((v) => v.name).sort(), 'every view has exactly one host');
  const sections = [...template.matchAll(/data-section="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(sections, [...settings.VIEW_NAMES], 'the sections in the page’s order');
  assert.match(template, /^<div class="root" part="root" data-view="drop">/, 'the drop view listens on the whole widget');
  assert.match(template, /<div class="main" data-section="latent">\s*<div class="host" data-view="latent"><\/div>\s*<div class="side">\s*<div class="host" data-view="digit"><\/div>\s*<div class="host" data-view="chart"><\/div>\s*<\/div>/);
});

test('the element’s @csspart doc comment lists exactly the registry’s parts', () => {
  const source = readFileSync('www/playground.ts', 'utf8');
  const documented = [...source.matchAll(/@csspart ([a-z-]+) - /g)].map((m) => m[1]);
  assert.deepEqual([...documented].sort(), [...registry.PARTS].sort());
  assert.equal(new Set(documented).size, documented.length, 'each part documented once');
});

test('each view’s DOM carries the parts the registry says it does', () => {
  const fileOf = { status: 'status', confirm: 'confirm' };
  for (const view of registry.VIEWS) {
    const source = readFileSync(`www/views/${fileOf[view.name] ?? view.name}.ts`, 'utf8');
    const parts = [...source.matchAll(/part="([a-z-]+)"/g)].map((m) => m[1]);
    assert.deepEqual(parts.sort(), [...view.parts].sort(), `${view.name}'s parts`);
  }
});
