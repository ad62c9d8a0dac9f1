import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitMessage, LIMITS, truncate } from '../../src/discord/limits.js';

describe('Discord message limits', () => {
  it('keeps text that fits as it is', () => {
    expect(truncate('hello', 2000)).toBe('hello');
    expect(truncate('x'.repeat(2000), 2000)).toBe('x'.repeat(2000));
  });

  it('cuts any longer text to the limit, ending in an ellipsis, keeping its start', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 0, maxLength: 5000 }),
        fc.integer({ min: 2, max: 2000 }),
        (text, max) => {
          const cut = truncate(text, max);
          expect(cut.length).toBeLessThanOrEqual(max);
          if (text.length > max) {
            expect(cut.endsWith('…')).toBe(true);
            expect(text.startsWith(cut.slice(0, -1))).toBe(true);
          } else {
            expect(cut).toBe(text);
          }
        },
      ),
    );
  });

  it('never splits a surrogate pair (an emoji) in two', () => {
    const cut = truncate(`${'a'.repeat(1998)}🟢🟢`, 2000);
    expect(cut).toBe(`${'a'.repeat(1998)}…`);
  });

  it('fits content, embeds (each limit and the 6000 total) and button labels', () => {
    // Given a message over every limit
    const message = fitMessage({
      content: 'c'.repeat(2500),
      embeds: Array.from({ length: 12 }, () => ({
        title: 't'.repeat(300),
        description: 'd'.repeat(5000),
        fields: Array.from({ length: 30 }, () => ({ name: 'n'.repeat(300), value: 'v'.repeat(2000) })),
        footer: { text: 'f'.repeat(3000) },
      })),
      components: [{ type: 1, components: [{ type: 2, style: 1, label: 'l'.repeat(100), custom_id: 'x' }] }],
    });
    // Then each part is within its limit
    expect(message.content?.length).toBe(LIMITS.content);
    expect(message.embeds).toHaveLength(LIMITS.embeds);
    const [first] = message.embeds ?? [];
    expect(first?.title?.length).toBe(LIMITS.embedTitle);
    expect(first?.fields?.length).toBeLessThanOrEqual(LIMITS.embedFields);
    const total = (message.embeds ?? []).reduce(
      (sum, e) =>
        sum +
        (e.title?.length ?? 0) +
        (e.description?.length ?? 0) +
        (e.footer?.text.length ?? 0) +
        (e.fields ?? []).reduce((s, f) => s + f.name.length + f.value.length, 0),
      0,
    );
    expect(total).toBeLessThanOrEqual(LIMITS.embedsTotal);
    // and no text is left empty (Discord rejects those too)
    for (const embed of message.embeds ?? []) {
      expect([embed.title, embed.description, embed.footer?.text]).not.toContain('');
      for (const field of embed.fields ?? []) expect(field.name && field.value).toBeTruthy();
    }
    const row = message.components?.[0] as { components: Array<{ label: string }> };
    expect(row.components[0]?.label.length).toBe(LIMITS.buttonLabel);
  });
});
