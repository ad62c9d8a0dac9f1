import type { APIEmbed } from 'discord-api-types/v10';

/**
 * Discord rejects a message over any of its limits, and for an interaction reply the member then sees "This
 * interaction failed". Whatever a message echoes (a password, a role list, an AWS error), it is cut to fit
 * here, with an ellipsis, right before it is sent.
 */
export const LIMITS = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  embedsTotal: 6000,
  buttonLabel: 80,
} as const;

const ELLIPSIS = '…';

/** `text` cut to at most `max` UTF-16 units (never inside a surrogate pair), ending in an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= ELLIPSIS.length) return text.slice(0, Math.max(0, max));
  let end = max - ELLIPSIS.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + ELLIPSIS;
}

interface FittableMessage {
  content?: string | null;
  embeds?: APIEmbed[] | null;
  components?: unknown;
}

/** A copy of the message with every text inside Discord's limits. */
export function fitMessage<T extends FittableMessage>(message: T): T {
  const fitted: T = { ...message };
  if (typeof message.content === 'string') fitted.content = truncate(message.content, LIMITS.content);
  if (message.embeds) fitted.embeds = fitEmbeds(message.embeds);
  if (Array.isArray(message.components)) fitted.components = message.components.map(fitComponent);
  return fitted;
}

function fitEmbeds(embeds: readonly APIEmbed[]): APIEmbed[] {
  let budget: number = LIMITS.embedsTotal;
  // Spends the shared 6000-character budget in reading order; a text that no longer fits is cut.
  const take = (text: string, max: number): string => {
    const cut = truncate(text, Math.max(0, Math.min(max, budget)));
    budget -= cut.length;
    return cut;
  };
  return embeds.slice(0, LIMITS.embeds).map((embed) => {
    const fitted: APIEmbed = { ...embed };
    if (embed.title !== undefined) fitted.title = take(embed.title, LIMITS.embedTitle);
    if (embed.description !== undefined)
      fitted.description = take(embed.description, LIMITS.embedDescription);
    if (embed.author) fitted.author = { ...embed.author, name: take(embed.author.name, LIMITS.authorName) };
    if (embed.fields) {
      // A field needs a name and a value: once the budget cannot give both a character, the rest are left out.
      const fields: NonNullable<APIEmbed['fields']> = [];
      for (const field of embed.fields.slice(0, LIMITS.embedFields)) {
        if (budget < 2) break;
        const name = take(field.name, Math.min(LIMITS.fieldName, budget - 1));
        fields.push({ ...field, name, value: take(field.value, LIMITS.fieldValue) });
      }
      fitted.fields = fields;
    }
    if (embed.footer) fitted.footer = { ...embed.footer, text: take(embed.footer.text, LIMITS.footerText) };
    // Texts the budget left empty are dropped: Discord rejects empty ones.
    if (fitted.title === '') delete fitted.title;
    if (fitted.description === '') delete fitted.description;
    if (fitted.author?.name === '') delete fitted.author;
    if (fitted.footer?.text === '') delete fitted.footer;
    return fitted;
  });
}

function fitComponent(component: unknown): unknown {
  if (typeof component !== 'object' || component === null) return component;
  const fitted: Record<string, unknown> = { ...(component as Record<string, unknown>) };
  if (typeof fitted.label === 'string') fitted.label = truncate(fitted.label, LIMITS.buttonLabel);
  if (Array.isArray(fitted.components)) fitted.components = fitted.components.map(fitComponent);
  return fitted;
}
