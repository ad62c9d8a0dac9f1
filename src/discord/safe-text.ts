/**
 * Text from outside (character names from the server log, AWS reasons) as plain text in Discord: markdown
 * characters escaped, line breaks and other control characters made spaces, and `@` kept from forming a
 * mention. Messages also allow no mentions (`allowed_mentions`), so nobody is pinged whatever slips through.
 */
export function discordSafe(name: string): string {
  return name
    .replace(/\p{Cc}/gu, ' ')
    .replace(/[\\*_~`|<>#[\]()]/g, '\\$&')
    .replace(/@/g, '@\u200b');
}
