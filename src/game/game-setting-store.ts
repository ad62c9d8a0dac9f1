import type { SsmParameters } from '../worlds/aws-worlds.js';
import { formatGameSetting, type GameSetting, parseGameSetting } from './branch.js';

/*
 * The branch parameter in SSM (src/game/branch.ts), over either SSM port: the SDK's (sdkSsmParameters, the
 * CLI) or the light client's (lightSsmParameters, the interactions Lambda). No SDK here.
 */

export class SsmGameSetting {
  /** `ssm`: the SDK's (sdkSsmParameters, the CLI) or the light client's (lightSsmParameters, the bot). */
  constructor(
    private readonly ssm: SsmParameters,
    private readonly name: string,
  ) {}

  /** Undefined when the parameter does not exist (a stack from before branches could be chosen). */
  async read(signal?: AbortSignal): Promise<GameSetting | undefined> {
    const [parameter] = await this.ssm.getParameters([this.name], signal);
    return parameter?.Value ? parseGameSetting(parameter.Value) : undefined;
  }

  async write(setting: GameSetting, signal?: AbortSignal): Promise<void> {
    await this.ssm.putParameter(this.name, formatGameSetting(setting), signal);
  }
}
