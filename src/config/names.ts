/*
 * Fixed resource names the stack sets and the CLI looks up directly: a generated name would need a
 * CloudFormation lookup (and credentials for it) before every command.
 */

/**
 * The game server's ECS names: the cluster is named after the stack, the service `${stackName}-server`, so
 * the CLI can find the service before CloudFormation is asked.
 */
export function gameServiceNames(stackName: string): { cluster: string; service: string } {
  return { cluster: stackName, service: `${stackName}-server` };
}

/** The game container's log group, read by `valheim logs`. */
export function serverLogGroupName(stackName: string): string {
  return `/${stackName}/server`;
}
