import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPhoneNumbers, toHalfWidth } from '../../src/analytics/phone.ts';

test('mobile numbers with separators, full-width digits and +86', () => {
  assert.deepEqual(extractPhoneNumbers('电话 138-1234-5678'), ['13812345678']);
  assert.deepEqual(extractPhoneNumbers('联系：１５９ ８７６５ ４３２１'), ['15987654321']);
  assert.deepEqual(extractPhoneNumbers('+86 186.0000.1111 微信同号'), ['18600001111']);
  assert.deepEqual(extractPhoneNumbers('13912345678 13912345678'), ['13912345678']);
});

test('landlines with 3- and 4-digit area codes', () => {
  assert.deepEqual(extractPhoneNumbers('办证 021-6543 2198'), ['021-65432198']);
  assert.deepEqual(extractPhoneNumbers('(010)8888-6666'), ['010-88886666']);
  assert.deepEqual(extractPhoneNumbers('０７５５－１２３４５６７'), ['0755-1234567']);
});

test('numbers that are not phones are left alone', () => {
  assert.deepEqual(extractPhoneNumbers('设备编号：371322000000032466'), []);
  assert.deepEqual(extractPhoneNumbers('时间：2019-01-05 11:19:48'), []);
  assert.deepEqual(extractPhoneNumbers('12812345678'), []); // 12x is not a mobile prefix
  assert.deepEqual(extractPhoneNumbers('限速 060km/h'), []);
});

test('two mobiles glued together by OCR are both found', () => {
  assert.deepEqual(extractPhoneNumbers('1381234567813987654321'), ['13812345678', '13987654321']);
  assert.equal(toHalfWidth('１２３－４'), '123-4');
});
