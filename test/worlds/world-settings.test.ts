import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkWorldName,
  describeWorldSettings,
  MODIFIER_KEYS,
  MODIFIERS,
  PRESETS,
  parseWorldSettings,
  WORLD_KEYS,
  type WorldSettings,
  worldServerArgs,
} from '../../src/worlds/world-settings.js';

describe('world settings', () => {
  it('turns what people type into settings and Valheim flags, in a fixed order', () => {
    // Given settings typed in any order, with = or :, spaces or commas
    const settings = parseWorldSettings('raids=none, hardcore nomap combat:veryhard');
    // Then
    expect(settings).toEqual({
      preset: 'hardcore',
      modifiers: { raids: 'none', combat: 'veryhard' },
      keys: ['nomap'],
    });
    expect(worldServerArgs(settings)).toBe(
      '-resetmodifiers -preset hardcore -modifier combat veryhard -modifier raids none -setkey nomap',
    );
    expect(describeWorldSettings(settings)).toBe('preset hardcore; combat veryhard, raids none; nomap');
  });

  it('changes only what is named, and removes a key with key=off', () => {
    const base: WorldSettings = { preset: 'hard', modifiers: { raids: 'none' }, keys: ['nomap'] };
    expect(parseWorldSettings('raids=more nomap=off passivemobs', base)).toEqual({
      preset: 'hard',
      modifiers: { raids: 'more' },
      keys: ['passivemobs'],
    });
  });

  it('gives a world without settings no arguments (it keeps what its files hold)', () => {
    expect(worldServerArgs(undefined)).toBe('');
    expect(worldServerArgs(parseWorldSettings(''))).toBe('');
    expect(describeWorldSettings({})).toBe('default');
  });

  it('refuses what Valheim does not know, saying what it does', () => {
    expect(() => parseWorldSettings('raids=lots')).toThrow(
      '"lots" is not a value of raids: use one of none, muchless, less, normal, more, muchmore',
    );
    expect(() => parseWorldSettings('preset=brutal')).toThrow('"brutal" is not a preset: use one of normal');
    expect(() => parseWorldSettings('-world Other')).toThrow('"-world" is not a world setting');
    expect(() => checkWorldName('my world')).toThrow(
      '"my world" is not a world name: use 1 to 64 letters, digits, "_" or "-" (it is the world file name)',
    );
    expect(checkWorldName('Ashlands_2')).toBe('Ashlands_2');
  });

  it('any settings give arguments that are plain words from the known lists (safe to split on spaces)', () => {
    const settings = fc.record(
      {
        preset: fc.constantFrom(...PRESETS),
        modifiers: fc.record(
          Object.fromEntries(MODIFIER_KEYS.map((key) => [key, fc.constantFrom(...MODIFIERS[key])])),
          { requiredKeys: [] },
        ),
        keys: fc.subarray([...WORLD_KEYS]),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(settings, (value) => {
        const args = worldServerArgs(value as WorldSettings);
        for (const word of args.split(' ').filter(Boolean)) expect(word).toMatch(/^-?[a-z]+$/);
        // The same settings typed as a person would give the same arguments
        const typed = [
          value.preset ?? '',
          ...Object.entries(value.modifiers ?? {}).map(([key, v]) => `${key}=${v}`),
          ...(value.keys ?? []),
        ].join(' ');
        expect(worldServerArgs(parseWorldSettings(typed))).toBe(args);
      }),
    );
  });
});
