// Masking of personal data (src/api/pii.ts): the shapes officers get instead of phone numbers
// and plates. The API paths (parties, a case's party and attributes, the evidence manifest)
// are covered in parties.test.ts; the review page in web/officer.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maskPhone, maskPii, maskPlate } from '../../src/api/pii.ts';
import { MATRIX } from '../../src/api/auth/access.ts';

describe('personal data masking', () => {
  it('keeps the first 3 and last 4 digits of a phone number, and +86', () => {
    assert.equal(maskPhone('13812345678'), '138****5678');
    assert.equal(maskPhone('021-65432198'), '021****2198');
    assert.equal(maskPhone('+8613812345678'), '+86138****5678');
    assert.equal(maskPhone('12345'), '***45');
  });

  it('keeps the province, the issuing letter and the last two characters of a plate', () => {
    assert.equal(maskPlate('沪A12345'), '沪A·***45');
    assert.equal(maskPlate('沪A·12345'), '沪A·***45');
    assert.equal(maskPlate('沪AD12345'), '沪A·****45');
  });

  it('masks the fields by name wherever they sit, and phone numbers inside poster text', () => {
    const ads = {
      texts: ['办证 138 1234 5678', '刻章'], phoneNumbers: ['13812345678'], lines: 2,
      phones: [{ number: '13812345678', e164: '+8613812345678', kind: 'mobile', lines: [0], source: '办证 138 1234 5678', confidence: 0.9 }],
    };
    assert.deepEqual(maskPii({ id: 'c1', number: 7, attributes: ads }), {
      id: 'c1', number: 7,
      attributes: {
        texts: ['办证 138****5678', '刻章'], phoneNumbers: ['138****5678'], lines: 2,
        phones: [{ number: '138****5678', e164: '+86138****5678', kind: 'mobile', lines: [0], source: '办证 138****5678', confidence: 0.9 }],
      },
    });
    assert.deepEqual(maskPii({ items: [{ plate: { plate: '浙A12345', kind: 'ordinary' }, plates: ['浙B99999'], contactPhone: null }] }),
      { items: [{ plate: { plate: '浙A·***45', kind: 'ordinary' }, plates: ['浙B·***99'], contactPhone: null }] });
  });

  it('pii:read belongs to the legal reviewer, the commander and the admin, not the officer', () => {
    assert.deepEqual([...MATRIX['pii:read']].sort(), ['admin', 'auditor', 'commander']);
  });
});
