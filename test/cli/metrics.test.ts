import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIO } from '../helpers/io.ts';
import { scratch } from '../pipelines/helpers.ts';

const T = '2026-01-01T00:00:0';
/** A run directory's metrics.jsonl as the runner writes it: tags, a tag value with a comma and a quote, a non-finite value (null). */
const runDir = (): string => {
  const dir = scratch('metrics');
  writeFileSync(join(dir, 'params.json'), JSON.stringify({ pipeline: 'mop', seed: 0, params: {} }));
  const lines = [
    { type: 'metric', name: 'teacher/q', step: 1, value: 0.5, tags: { task: 'left', seed: '0' }, time: `${T}1.000Z` },
    { type: 'metric', name: 'teacher/q', step: 2, value: 1.5, tags: { task: 'left', seed: '0' }, time: `${T}2.000Z` },
    { type: 'metric', name: 'teacher/q', step: 1, value: -2, tags: { task: 'right', seed: '0' }, time: `${T}3.000Z` },
    { type: 'metric', name: 'student/loss', step: 1, value: null, tags: { task: 'a,"b"' }, time: `${T}4.000Z` },
    { type: 'metric', name: 'student/loss', step: 2, value: 0.25, tags: { task: 'a,"b"' }, time: `${T}5.000Z` },
    { type: 'metric', name: 'distral/meanReturn', step: 7, value: 3, time: `${T}6.000Z` },
  ];
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return dir;
};

/** RFC 4180 rows (quoted fields, doubled quotes). */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  return rows;
};

test('metrics --csv: every value in long format, a column per tag (task first), wall-clock time, null as an empty cell', async () => {
  const io = captureIO();
  assert.equal(await main(['metrics', runDir(), '--csv'], io), 0, io.err());
  const rows = parseCsv(io.out());
  assert.deepEqual(rows[0], ['name', 'step', 'value', 'time', 'task', 'seed']);
  assert.equal(rows.length, 7);
  assert.deepEqual(rows[1], ['teacher/q', '1', '0.5', `${T}1.000Z`, 'left', '0']);
  assert.deepEqual(rows[4], ['student/loss', '1', '', `${T}4.000Z`, 'a,"b"', '']);
  assert.deepEqual(rows[6], ['distral/meanReturn', '7', '3', `${T}6.000Z`, '', '']);
});

test('metrics: one row per series; --name filters with * and ?', async () => {
  const dir = runDir();
  const io = captureIO();
  assert.equal(await main(['metrics', dir], io), 0, io.err());
  assert.match(io.out(), /metrics\.jsonl: 6 values in 4 series\n/);
  // n, first and last step, last value, min, max
  assert.match(io.out(), /\nteacher\/q +seed=0 task=left +2 +1 +2 +1\.500 +0\.500 +1\.500\n/);
  assert.match(io.out(), /\nstudent\/loss +task=a,"b" +2 +1 +2 +0\.250 +0\.250 +0\.250\n/);
  const only = captureIO();
  assert.equal(await main(['metrics', dir, '--name', 'teacher/*', '--csv'], only), 0, only.err());
  assert.deepEqual(parseCsv(only.out()).map((r) => r[0]), ['name', 'teacher/q', 'teacher/q', 'teacher/q']);
  const q = captureIO();
  assert.equal(await main(['metrics', dir, '--name', 'student/los?'], q), 0, q.err());
  assert.match(q.out(), /2 values in 1 series named like student\/los\?/);
});

test('metrics: bad input is one line, exit 1', async () => {
  const d = scratch('metrics-bad');
  mkdirSync(join(d, 'empty'));
  const bad = runDir();
  writeFileSync(join(bad, 'metrics.jsonl'), '{"type":"metric","name":"x","step":1,"value":1}\n{"type":"metric","name":"x","step":"two","value":1}\n');
  const cases: [string[], RegExp][] = [
    [[join(d, 'nope')], /nope: no such directory/],
    [[join(d, 'empty')], /is not a run directory \(no metrics\.jsonl\)/],
    [[runDir(), '--name', 'nothing*'], /--name nothing\*: no metric matches it in .* \(names: teacher\/q, student\/loss, distral\/meanReturn\)/],
    [[bad, '--csv'], /metrics\.jsonl:2: .*step/],
    [[], /usage: distillery metrics <run-dir>/],
  ];
  for (const [args, message] of cases) {
    const io = captureIO();
    assert.equal(await main(['metrics', ...args], io), 1, args.join(' '));
    assert.match(io.err(), message, args.join(' '));
    assert.equal(io.err().trim().split('\n').length, 1, io.err());
  }
});
