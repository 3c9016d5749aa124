import { decodeDraft, encodeDraft, FORM_DRAFT_MAX_BYTES } from '../../src/pages/formDraft';

describe('form drafts kept in a cookie', () => {
  it('gives back the fields it was given, markup and all, as text', () => {
    const fields = { reason: 'Spam <b>links</b> & “quotes”', until: '' };
    expect(decodeDraft(encodeDraft(fields)!)).toEqual(fields);
  });

  it('keeps nothing too large for a cookie', () => {
    expect(encodeDraft({ reason: 'x'.repeat(FORM_DRAFT_MAX_BYTES) })).toBeNull();
  });

  it('reads anything that is not a draft as no draft', () => {
    for (const value of [undefined, '', 'not base64 json!', Buffer.from('[1,2]').toString('base64url'), Buffer.from('"text"').toString('base64url')]) {
      expect(decodeDraft(value)).toBeNull();
    }
    expect(decodeDraft(Buffer.from('{"reason":"ok","n":1}').toString('base64url'))).toEqual({ reason: 'ok' });
  });
});
