import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { discordEndpointCommand, type EndpointDeps } from './discord-endpoint.js';
import { discordRegisterCommand, type RegisterDeps } from './discord-register.js';
import { discordWireCommand, type WireDeps } from './discord-wire.js';

/** `valheim discord`: the commands that set up the Discord application, one module each. */
export function discordCommand(context: CommandContext<RegisterDeps & EndpointDeps & WireDeps>): Command {
  return new Command('discord')
    .description('Set up the Discord application')
    .addCommand(discordRegisterCommand(context))
    .addCommand(discordEndpointCommand(context))
    .addCommand(discordWireCommand(context));
}
