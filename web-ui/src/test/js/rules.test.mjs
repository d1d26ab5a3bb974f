// Unit tests of the page's pure rules: node --test web-ui/src/test/js
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backoffDelay,
  BACKOFF_CAP_MS,
  checkMessageText,
  codePointLength,
  newClientMessageId,
  passwordProblem,
  roomNameProblem,
  usernameProblem,
} from '../../main/resources/META-INF/resources/js/rules.js';

test('room names follow ^[a-z0-9][a-z0-9_-]{0,63}$ with a reason', () => {
  for (const ok of ['general', 'a', '0', 'a-b_c', 'x'.repeat(64)]) {
    assert.equal(roomNameProblem(ok), null, ok);
  }
  assert.match(roomNameProblem(''), /Enter/);
  assert.match(roomNameProblem('General'), /start with a lowercase/);
  assert.match(roomNameProblem('-abc'), /start with/);
  assert.match(roomNameProblem('ab c'), /Use only/);
  assert.match(roomNameProblem('abC'), /Use only/);
  assert.match(roomNameProblem('x'.repeat(65)), /at most 64/);
  assert.match(roomNameProblem('a\n'), /Use only/);
});

test('text is trimmed and limited to 2000 code points', () => {
  assert.deepEqual(checkMessageText('  hi \n'), { text: 'hi', problem: null });
  assert.match(checkMessageText('   ').problem, /Type a message/);
  assert.equal(checkMessageText('x'.repeat(2000)).problem, null);
  assert.match(checkMessageText('x'.repeat(2001)).problem, /2001 characters/);
  const emoji = '😀'.repeat(2000); // 4000 UTF-16 units, 2000 code points
  assert.equal(codePointLength(emoji), 2000);
  assert.equal(checkMessageText(emoji).problem, null);
  assert.notEqual(checkMessageText(`${emoji}a`).problem, null);
});

test('username and password rules match the contract', () => {
  assert.equal(usernameProblem('alice.b-c_1'), null);
  assert.notEqual(usernameProblem('al'), null);
  assert.notEqual(usernameProblem('bad name'), null);
  assert.equal(passwordProblem('12345678'), null);
  assert.notEqual(passwordProblem('1234567'), null);
  assert.notEqual(passwordProblem('x'.repeat(129)), null);
});

test('backoff grows exponentially, is capped, and jitters within [d/2, d]', () => {
  assert.equal(backoffDelay(1, () => 0), 250);
  assert.equal(backoffDelay(1, () => 1), 500);
  assert.equal(backoffDelay(2, () => 0), 500);
  assert.equal(backoffDelay(3, () => 1), 2000);
  assert.equal(backoffDelay(50, () => 1), BACKOFF_CAP_MS);
  assert.equal(backoffDelay(50, () => 0), BACKOFF_CAP_MS / 2);
  for (let attempt = 1; attempt < 12; attempt++) {
    const delay = backoffDelay(attempt);
    assert.ok(delay > 0 && delay <= BACKOFF_CAP_MS);
  }
});

test('client message ids are UUIDs even without crypto.randomUUID', () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(newClientMessageId(), uuid);
  const insecure = { getRandomValues: (array) => globalThis.crypto.getRandomValues(array) };
  assert.match(newClientMessageId(insecure), uuid);
  assert.notEqual(newClientMessageId(insecure), newClientMessageId(insecure));
});
