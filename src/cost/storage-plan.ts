/**
 * Where the stack keeps what it stores while nobody plays, as one set of constants that the constructs build
 * from and the cost estimate prices from, so that the estimate can never assume a storage class the template
 * does not have (test/infra/cost-assumptions.test.ts checks the synthesized template against them). Imports
 * nothing. Why each choice, with the prices and the time-to-playable effect: docs/cost.md.
 */

/**
 * Days a world file on EFS may go unread before lifecycle management moves it to Infrequent Access (about a
 * twelfth of Standard's price), where it stays until a start reads it and it returns to Standard. Each round
 * trip bills a read and a move into IA ($0.02/GB in all), as much as ~2½ days in Standard would: a week
 * keeps a group that plays a few evenings a week in Standard with no such charges, and still puts the world
 * of a group that has stopped playing into IA after a week (1 day, EFS's shortest, would cost that group more
 * than it saves: docs/cost.md). Archive is not used: it needs Elastic throughput, which bills every GB a
 * session reads and writes, and it bills at least 90 days.
 */
export const EFS_IA_AFTER_DAYS = 7;

/** The CloudFormation value for EFS_IA_AFTER_DAYS (AWS::EFS::FileSystem LifecyclePolicy.TransitionToIA). */
export const EFS_TRANSITION_TO_IA = 'AFTER_7_DAYS';

/** A file read in Infrequent Access goes back to Standard on that first read. */
export const EFS_TRANSITION_TO_PRIMARY = 'AFTER_1_ACCESS';

/**
 * The install-cache tarball's S3 storage class: Intelligent-Tiering (set by a lifecycle rule on the day it is
 * written). While the group starts at least monthly it stays in the frequent tier at S3 Standard's price, with
 * no retrieval charge per start; after 30 days without a start it moves to the infrequent tier, after 90 to
 * Archive Instant Access (Glacier Instant Retrieval's price), and the next start reads it as fast as ever.
 */
export const INSTALL_CACHE_STORAGE_CLASS = 'INTELLIGENT_TIERING';

/**
 * Zips of the world the game image keeps on EFS (it makes one at every container start). None: the history is
 * in S3 (a snapshot at every session end) and AWS Backup, and a zip on the same file system as the world
 * cost as much again on EFS and in every backup. 1 or more turns the image's start backup back on.
 */
export const IMAGE_BACKUPS_KEPT = 0;

/**
 * Valheim's own rolling world backups (`-backups`, default 4, the first two hours into a session, then every
 * twelve): copies of the whole world next to it on EFS. Off (0), for the same reason as the image's zips;
 * `server.extraArgs` can turn them back on ("-backups 4"), later arguments win.
 */
export const VALHEIM_AUTO_BACKUPS = 0;
