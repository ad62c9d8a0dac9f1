import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Terminal } from '../io.js';

export interface SetupDeps {
  /** VALHEIM_BOT_TOKEN and VALHEIM_SERVER_PASSWORD are read from here. */
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  readonly ssm: (region: string) => SSMClient;
  /** Asks a question and returns the typed line. */
  readonly promptLine: (question: string) => Promise<string>;
  /** Asks a question without echoing the answer. */
  readonly promptHidden: (question: string) => Promise<string>;
  readonly randomInt?: (max: number) => number;
  /** The time zone offered as the default. @default - this machine's (Intl) */
  readonly localTimeZone?: string;
}

/** How this run of the wizard goes: asking on a terminal, or (--non-interactive) never asking. */
export interface WizardContext {
  readonly interactive: boolean;
  readonly deps: SetupDeps;
}
