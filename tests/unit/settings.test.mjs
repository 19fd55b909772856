// The settings table (www/settings.ts): parsing with messages that name the attribute and the text as typed, the
// URL hash, and the README's attribute table, which must equal the one generated from the table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const settings = await importWww('www/settings.ts');

test('integers are checked as integers before they reach Rust, naming the attribute and the text', () => {
  const message = (key, text) => {
    try {
      settings.parseNumberSetting(key, text);
    } catch (e) {
      return e.message;
    }
    assert.fail(`${key}="${text}" was accepted`);
  };
  assert.equal(message('hiddenUnits', '-5'), 'hidden-units="-5" is out of range: a whole number from 0 to 4294967295 at most');
  assert.match(message('hiddenUnits', String(2 ** 32 + 128)), /^hidden-units="4294967424" is out of range/);
  assert.equal(message('batchSize', '12.5'), 'batch-size="12.5" is not a whole number');
  assert.equal(message('beta', 'abc'), 'beta="abc" is not a number');
  assert.equal(message('seed', ' '), 'seed=" " is not a number');
  assert.equal(settings.parseNumberSetting('hiddenUnits', ' 64 '), 64);
  assert.equal(settings.parseNumberSetting('beta', '0.5'), 0.5);
  assert.equal(settings.parseNumberSetting('epochs', null), 50, 'a removed attribute goes back to the default');
});

test('URL attributes that cannot be parsed are errors naming the attribute', () => {
  assert.throws(() => settings.parseUrl('weights', 'http://[', 'http://127.0.0.1/'), /^Error: weights="http:\/\/\[" is not a URL/);
  assert.throws(() => settings.parseDataUrls('only-one.gz', 'http://127.0.0.1/'), /data="only-one.gz" needs two URLs/);
  assert.deepEqual(settings.parseDataUrls('a.gz, b.gz', 'http://127.0.0.1/x/'), ['http://127.0.0.1/x/a.gz', 'http://127.0.0.1/x/b.gz']);
});

test('the defaults agree with the CLI and the Rust defaults', () => {
  const cli = readFileSync('src/cli/mod.rs', 'utf8');
  const cliDefault = (flag) => Number(cli.match(new RegExp(`default_value_t = ([^)]+)\\)\\]\\s*${flag}:`))[1]);
  const cliArch = cli.match(/default_value = "([a-z]+)"\)\]\s*arch:/)[1];
  assert.deepEqual(settings.DEFAULT_SETTINGS, {
    architecture: cliArch, hiddenUnits: cliDefault('hidden'), latentDim: cliDefault('latent'), beta: cliDefault('beta'),
    learningRate: cliDefault('lr'), batchSize: cliDefault('batch'), seed: cliDefault('seed'), datasetId: 'mnist',
  });
});

test('the hash keeps exactly the settings marked inHash, and reads them back', () => {
  const attrs = { 'hidden-units': '64', beta: '2', autostart: '', weights: 'w.safetensors', epochs: '5' };
  const hash = settings.toHash((name) => attrs[name] ?? null);
  assert.equal(hash, 'hidden-units=64&beta=2&epochs=5');
  assert.deepEqual(settings.fromHash(`#${hash}&weights=evil.safetensors&junk=1`), [['hidden-units', '64'], ['beta', '2'], ['epochs', '5']]);
});

test("the README's attribute table is the one the settings table generates", () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.ok(readme.includes(settings.attributeTable()), `README.md should contain:\n${settings.attributeTable()}`);
});
