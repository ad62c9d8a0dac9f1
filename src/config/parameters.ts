/**
 * Names of the SSM SecureString parameters holding the secrets. CloudFormation cannot create SecureStrings,
 * so `valheim secrets set` writes them and the stack only references them by name.
 */
export interface SecretParameterNames {
  /** The Discord bot token (registration and, later, messages). */
  readonly botToken: string;
  /** The Valheim server password, injected into the task as an ECS secret. */
  readonly serverPassword: string;
}

export function secretParameterNames(stackName: string): SecretParameterNames {
  return {
    botToken: `/${stackName}/discord-bot-token`,
    serverPassword: `/${stackName}/server-password`,
  };
}
