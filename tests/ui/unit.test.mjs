// The UI's pure modules under node: form generation, config building,
// validation reading and secret masking. No browser, no worker.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildConfig, defaultText, fieldKind, groupDefinitions, newDefinitions, parseRawJson, readValidation } from '../../runtime/rest/ui/js/form/model.js';
import { MASK, masked, secretKeys } from '../../runtime/rest/ui/js/secrets.js';

const def = (name, extra = {}) => ({ name, type: 'STRING', required: false, default_value: null, importance: 'HIGH', group: null, order: -1, documentation: '', ...extra });

test('groups: Common first, the plugin\'s own next, framework groups folded last; required first', () => {
  const groups = groupDefinitions([
    def('errors.tolerance', { group: 'Error Handling', order: 3 }),
    def('file'),
    def('tasks.max', { group: 'Common', order: 3, type: 'INT', default_value: '1' }),
    def('name', { group: 'Common', order: 1, required: true }),
    def('connector.class', { group: 'Common', order: 2, required: true }),
    def('header.converter', { group: 'Common', order: 7, importance: 'LOW', type: 'CLASS' }),
    def('topics', { group: 'Common', order: 4 }),
    def('transforms', { group: 'Transforms', order: 8, type: 'LIST' }),
    def('batch.size', { required: true, type: 'INT' }),
  ], 'org.apache.kafka.connect.file.FileStreamSinkConnector');
  assert.deepEqual(groups.map((g) => [g.name, g.folded]), [['Common', false], ['FileStreamSink settings', false], ['Transforms', true], ['Error Handling', true]]);
  assert.deepEqual(groups[0].fields.map((d) => d.name), ['name', 'tasks.max', 'topics'], 'connector.class is set by the form; LOW importance set apart');
  assert.deepEqual(groups[0].more.map((d) => d.name), ['header.converter']);
  assert.deepEqual(groups[1].fields.map((d) => d.name), ['batch.size', 'file'], 'required first');
});

test('field kinds and defaults', () => {
  assert.equal(fieldKind(def('a', { type: 'BOOLEAN' })), 'boolean');
  assert.equal(fieldKind(def('a', { type: 'LONG' })), 'number');
  assert.equal(fieldKind(def('a', { type: 'PASSWORD' })), 'password');
  assert.equal(fieldKind(def('a', { type: 'LIST' })), 'list');
  assert.equal(fieldKind(def('a', { type: 'CLASS' })), 'text');
  assert.equal(defaultText(def('a', { default_value: '' })), 'empty');
  assert.equal(defaultText(def('a', { default_value: '3000' })), '3000');
  assert.equal(defaultText(def('a', { default_value: null })), null);
  assert.equal(defaultText(def('a', { required: true, default_value: 'x' })), null);
});

test('the config leaves out empty fields and always names the class', () => {
  assert.deepEqual(buildConfig({ pluginClass: 'FileStreamSink', name: 'n', values: { topics: 't', file: '', 'tasks.max': '2' } }),
    { topics: 't', 'tasks.max': '2', 'connector.class': 'FileStreamSink', name: 'n' });
  assert.deepEqual(buildConfig({ pluginClass: 'X', name: '', values: {} }), { 'connector.class': 'X' });
});

test('a validate answer read by key, and the definitions it adds', () => {
  const answer = {
    error_count: 2,
    configs: [
      { definition: def('tasks.max'), value: { name: 'tasks.max', value: '0', errors: ['Invalid value 0 for configuration tasks.max: Value must be at least 1'], recommended_values: [] } },
      { definition: def('topics'), value: { name: 'topics', value: '', errors: ['Must configure one of topics or topics.regex', 'Must configure one of topics or topics.regex'], recommended_values: [] } },
      { definition: def('transforms.a.type', { group: 'Transforms: a' }), value: { name: 'transforms.a.type', value: null, errors: [], recommended_values: ['org.apache.kafka.connect.transforms.Cast$Value'] } },
    ],
  };
  const v = readValidation(answer);
  assert.equal(v.count, 2);
  assert.deepEqual([...v.errors.keys()], ['tasks.max', 'topics']);
  assert.deepEqual(v.errors.get('topics'), ['Must configure one of topics or topics.regex'], 'the same message once');
  assert.deepEqual(v.recommended.get('transforms.a.type'), ['org.apache.kafka.connect.transforms.Cast$Value']);
  assert.deepEqual(newDefinitions([def('tasks.max'), def('topics')], v.definitions).map((d) => d.name), ['transforms.a.type']);
  assert.deepEqual(readValidation(null), { errors: new Map(), recommended: new Map(), definitions: [], count: 0 });
});

test('raw JSON: {name, config} or a bare config; clear errors otherwise', () => {
  assert.deepEqual(parseRawJson('{"name":"a","config":{"tasks.max":2,"x":true}}'), { name: 'a', config: { 'tasks.max': '2', x: 'true' } });
  assert.deepEqual(parseRawJson('{"topics":"t","name":"b"}'), { name: 'b', config: { topics: 't', name: 'b' } });
  assert.deepEqual(parseRawJson('{"topics":"t"}', 'fallback').name, 'fallback');
  assert.throws(() => parseRawJson('{"name": '), /Not valid JSON/);
  assert.throws(() => parseRawJson('[1]'), /Expected a JSON object/);
  assert.throws(() => parseRawJson('{"config": "x"}'), /"config" must be an object/);
  assert.throws(() => parseRawJson('{"config": {"a": {"b": 1}}}'), /The value of a must be a string, number or boolean/);
});

test('secrets: PASSWORD definitions, and keys that look like secrets', () => {
  const config = {
    'connection.password': 'p', 'connection.user': 'root', 'ssl.truststore.password': 's', 'my.secret.key': 'k',
    'sasl.jaas.config': 'j', 'basic.auth.user.info': 'u:p', 'tokenizer.mode': 'x', topics: 't', 'api.key': 'a', empty: '',
  };
  const keys = secretKeys(config, [def('basic.auth.user.info', { type: 'PASSWORD' }), def('empty', { type: 'PASSWORD' })]);
  assert.deepEqual([...keys].sort(), ['api.key', 'basic.auth.user.info', 'connection.password', 'empty', 'my.secret.key', 'sasl.jaas.config', 'ssl.truststore.password']);
  const shown = masked(config, [def('basic.auth.user.info', { type: 'PASSWORD' }), def('empty', { type: 'PASSWORD' })]);
  assert.equal(shown['connection.password'], MASK);
  assert.equal(shown['basic.auth.user.info'], MASK);
  assert.equal(shown['connection.user'], 'root');
  assert.equal(shown['tokenizer.mode'], 'x');
  assert.equal(shown.empty, '', 'an empty secret stays visibly empty');
});
