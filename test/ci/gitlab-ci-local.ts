import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Drives gitlab-ci-local 4.73 (devDependency) against the project's real .gitlab-ci.yml, in a throw-away git
 * repository so that nothing touches the working tree (gitlab-ci-local writes its state next to the pipeline
 * file and copies the tracked files for --shell-isolation).
 */

export const root = fileURLToPath(new URL('../../', import.meta.url));
const GITLAB_CI_LOCAL = join(root, 'node_modules', '.bin', 'gitlab-ci-local');

/** The pipeline's dependency install. Needs the registry, so the job runs swap it for a link (see below). */
export const INSTALL_STEP = '- npm ci --prefer-offline --no-audit --no-fund';
/** Stands in for INSTALL_STEP in jobs run here: the project's installed node_modules, linked in. */
const LINK_STEP = '- ln -s "$HOST_NODE_MODULES" node_modules';

/**
 * A job with the workflow's rules: gitlab-ci-local evaluates `workflow: rules` only for their variables and
 * lists jobs even when GitLab would create no pipeline. This job is listed exactly when the workflow admits the
 * event, with GitLab's own rule evaluation.
 */
export const WORKFLOW_PROBE = 'workflow-probe';
const PROBE_JOB = `
${WORKFLOW_PROBE}:
  stage: test
  rules: !reference [workflow, rules]
  script: [":"]
`;

/** The files every job reads, copied into the fixture and tracked there. */
const PROJECT_FILES = ['package.json', 'package-lock.json', 'biome.json', '.gitignore'];

export interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One pipeline event, as GitLab's predefined variables (`unset`: variables GitLab does not set for it). */
export interface PipelineEvent {
  readonly variables: Readonly<Record<string, string>>;
  readonly unset?: readonly string[];
}

export interface ListedJob {
  readonly name: string;
  readonly stage: string;
  readonly when: string;
  readonly environment: string;
}

export interface Pipeline {
  /** Whether `workflow: rules` let GitLab create a pipeline at all. */
  readonly created: boolean;
  /** The jobs GitLab would run: none when no pipeline is created. */
  readonly jobs: readonly ListedJob[];
}

/**
 * The project's .gitlab-ci.yml for the fixture: the install step linked instead of downloaded, plus the
 * workflow probe job. Throws if the install step changed, so this helper cannot drift from the pipeline.
 */
export function fixturePipeline(source: string): string {
  const installs = source.split(INSTALL_STEP).length - 1;
  if (installs !== 1) {
    throw new Error(
      `.gitlab-ci.yml should install with "${INSTALL_STEP}" once, found ${installs}: update ${import.meta.url}`,
    );
  }
  return `${source.replace(INSTALL_STEP, LINK_STEP).trimEnd()}\n${PROBE_JOB}`;
}

export class Fixture {
  /** A temporary git repository holding the pipeline and the project files (staged, so "tracked"). */
  readonly dir = mkdtempSync(join(tmpdir(), 'gitlab-ci-local-'));
  /** HOME and gitlab-ci-local's --home of the runs: no user-level variables, no caches in the real home. */
  private readonly home = mkdtempSync(join(tmpdir(), 'gitlab-ci-local-home-'));

  /** `copy`: more project files or folders (relative to the project root) for the jobs to use. */
  constructor(copy: readonly string[] = []) {
    const pipeline = readFileSync(join(root, '.gitlab-ci.yml'), 'utf8');
    writeFileSync(join(this.dir, '.gitlab-ci.yml'), fixturePipeline(pipeline));
    writeFileSync(join(this.dir, 'original-gitlab-ci.yml'), pipeline);
    for (const file of [...PROJECT_FILES, ...copy]) {
      cpSync(join(root, file), join(this.dir, file), { recursive: true });
    }
    this.git('init', '-q');
    this.git('remote', 'add', 'origin', 'https://gitlab.com/group/valheim.git');
    this.git('add', '-A');
  }

  /** Writes a file in the fixture and stages it. */
  write(file: string, content: string): void {
    mkdirSync(dirname(join(this.dir, file)), { recursive: true });
    writeFileSync(join(this.dir, file), content);
    this.git('add', file);
  }

  /** Where gitlab-ci-local keeps the artifacts of `job` (what a later job of the pipeline receives). */
  artifactsOf(job: string): string {
    return join(this.dir, '.gitlab-ci-local', 'artifacts', job);
  }

  git(...args: string[]): void {
    const result = spawnSync('git', args, { cwd: this.dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  }

  /**
   * Runs gitlab-ci-local in the fixture with a minimal environment: no GCL_* options, no CI variables of the
   * process running the tests (inside a GitLab job they would leak into rules), no user-level variables.
   * Asynchronous, so that a fake server in this process can answer the job.
   */
  run(args: readonly string[], timeout = 60_000): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn(GITLAB_CI_LOCAL, ['--home', this.home, '--no-color', ...args], {
        cwd: this.dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.home, LANG: 'C.UTF-8' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
  }

  /** What GitLab would run for `event`: `--list-csv` (rules evaluated, when:never left out). */
  async list(event: PipelineEvent): Promise<Pipeline> {
    const result = await this.run([...eventArgs(event), '--list-csv']);
    if (result.status !== 0)
      throw new Error(`gitlab-ci-local --list-csv failed:\n${result.stdout}${result.stderr}`);
    const lines = result.stdout.split('\n');
    const header = lines.indexOf('name;stage;when;allowFailure;environment;needs');
    if (header < 0) throw new Error(`no job list in:\n${result.stdout}`);
    const listed = lines
      .slice(header + 1)
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [name = '', stage = '', when = '', , environment = ''] = line.split(';');
        return { name, stage, when, environment };
      });
    const created = listed.some((job) => job.name === WORKFLOW_PROBE);
    return { created, jobs: created ? listed.filter((job) => job.name !== WORKFLOW_PROBE) : [] };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** `--variable`/`--unset-variable` arguments for an event, with the "overriding predefined" warning muted. */
export function eventArgs(event: PipelineEvent): string[] {
  const names = [...Object.keys(event.variables), ...(event.unset ?? [])];
  return [
    ...Object.entries(event.variables).flatMap(([name, value]) => ['--variable', `${name}=${value}`]),
    ...(event.unset ?? []).flatMap((name) => ['--unset-variable', name]),
    ...(names.length > 0 ? ['--ignore-predefined-vars', names.join(',')] : []),
  ];
}

/** The path of the project's installed node_modules, for the LINK_STEP of a job run. */
export const HOST_NODE_MODULES = join(root, 'node_modules');
