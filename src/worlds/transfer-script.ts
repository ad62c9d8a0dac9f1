import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The transfer task's container, for the stack: the official AWS CLI v2 image (Amazon Linux 2, so /bin/sh,
 * coreutils and `aws`; its entry point is `aws`, hence the override) running world-transfer.sh, which is
 * embedded in the task definition (about 30 kB; a task definition may hold 64 kB).
 */
export const TRANSFER_SCRIPT_PATH = fileURLToPath(new URL('./world-transfer.sh', import.meta.url));

/**
 * The image, pinned. Bump it deliberately (or pin a digest): the script relies only on `aws s3 sync/cp/ls`,
 * `aws ecs describe-services` and `aws dynamodb put-item/get-item/update-item/delete-item` (the transfer
 * lock), which every 2.x release has, and on coreutils' `mv -T`, `od` and `mktemp` (Amazon Linux 2).
 */
export const TRANSFER_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.15.35';

/** Entry point and command of the container: `sh -c '<script>'`. */
export function transferCommand(): { readonly entryPoint: string[]; readonly command: string[] } {
  return { entryPoint: ['/bin/sh', '-c'], command: [readFileSync(TRANSFER_SCRIPT_PATH, 'utf8')] };
}

/**
 * The state-table item world-transfer.sh leases as the transfer lock (its LOCK_KEY): the task role may touch
 * no other partition key.
 */
export const TRANSFER_LOCK_KEY = { pk: 'LOCK', sk: 'WORLD_TRANSFER' } as const;
