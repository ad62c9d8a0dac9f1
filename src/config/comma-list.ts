/**
 * The items of a comma-separated setting (an environment variable such as TRANSFER_SUBNETS), trimmed, empty
 * items dropped; nothing set is an empty list. Shared by the Lambda's and the CLI's environment readers.
 */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
