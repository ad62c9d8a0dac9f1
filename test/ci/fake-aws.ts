import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A loopback stand-in for the AWS calls a CI job makes (reached through AWS_ENDPOINT_URL), modelling what the
 * CiAccessStack roles allow: STS web identity (any role), no sts:AssumeRole (the diff role has none),
 * CloudFormation reads of one deployed stack, and ECS DescribeServices of a running game server.
 */

export const FAKE_ACCOUNT = '123456789012';
/** The access key of the session AssumeRoleWithWebIdentity hands out: calls signed with it used that session. */
export const SESSION_KEY = 'ASIAWEBIDENTITYFAKE';

export interface Call {
  /** e.g. "sts:AssumeRoleWithWebIdentity", "ecs:DescribeServices". */
  readonly action: string;
  /** Access key ID of the signature, or "unsigned". */
  readonly signedWith: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Whether the fake answered with an error (denied or unknown). */
  readonly failed: boolean;
}

export interface FakeAws {
  readonly url: string;
  readonly calls: Call[];
  close(): Promise<void>;
}

const STS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const CFN = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const STS_ACTIONS = new Set(['AssumeRoleWithWebIdentity', 'AssumeRole', 'GetCallerIdentity']);

const result = (action: string, namespace: string, inner: string) =>
  `<${action}Response xmlns="${namespace}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></${action}Response>`;
const error = (namespace: string, code: string, message: string) =>
  `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>1</RequestId></ErrorResponse>`;

/** Answers one query-protocol call (STS, CloudFormation): [status, body]. */
function query(action: string, params: URLSearchParams): [number, string] {
  const stackName = params.get('StackName') ?? '';
  switch (action) {
    case 'AssumeRoleWithWebIdentity':
      return [
        200,
        result(
          action,
          STS,
          `<Credentials><AccessKeyId>${SESSION_KEY}</AccessKeyId><SecretAccessKey>fake</SecretAccessKey><SessionToken>fake</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::${FAKE_ACCOUNT}:assumed-role/ci/${params.get('RoleSessionName')}</Arn><AssumedRoleId>AROAFAKE:ci</AssumedRoleId></AssumedRoleUser>`,
        ),
      ];
    case 'GetCallerIdentity':
      return [
        200,
        result(
          action,
          STS,
          `<Arn>arn:aws:sts::${FAKE_ACCOUNT}:assumed-role/ci/session</Arn><UserId>AROAFAKE:ci</UserId><Account>${FAKE_ACCOUNT}</Account>`,
        ),
      ];
    case 'AssumeRole':
      return [
        403,
        error(STS, 'AccessDenied', `not authorized to perform: sts:AssumeRole on ${params.get('RoleArn')}`),
      ];
    case 'DescribeStacks':
      return [
        200,
        result(
          action,
          CFN,
          `<Stacks><member><StackName>${stackName}</StackName><StackId>arn:aws:cloudformation:eu-central-1:${FAKE_ACCOUNT}:stack/${stackName}/1</StackId><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2024-01-01T00:00:00Z</CreationTime></member></Stacks>`,
        ),
      ];
    case 'GetTemplate':
      return [200, result(action, CFN, '<TemplateBody>{"Resources":{}}</TemplateBody>')];
    default:
      return [400, error(STS_ACTIONS.has(action) ? STS : CFN, 'InvalidAction', `${action} is not faked`)];
  }
}

/** Answers one ECS (JSON 1.1) call: a running game server. */
function ecs(action: string): [number, unknown] {
  if (action !== 'DescribeServices') return [400, { __type: 'InvalidParameterException', message: action }];
  return [
    200,
    { services: [{ status: 'ACTIVE', desiredCount: 1, runningCount: 1, pendingCount: 0 }], failures: [] },
  ];
}

export async function startFakeAws(): Promise<FakeAws> {
  const calls: Call[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signedWith = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? 'unsigned';
      const target = request.headers['x-amz-target'];
      if (typeof target === 'string') {
        const action = target.split('.').pop() ?? '';
        const [status, answer] = ecs(action);
        const params = body ? (JSON.parse(body) as Record<string, unknown>) : {};
        calls.push({ action: `ecs:${action}`, signedWith, params, failed: status !== 200 });
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(answer));
        return;
      }
      const params = new URLSearchParams(body);
      const action = params.get('Action') ?? '';
      const [status, answer] = query(action, params);
      calls.push({
        action: `${STS_ACTIONS.has(action) ? 'sts' : 'cloudformation'}:${action}`,
        signedWith,
        params: Object.fromEntries(params),
        failed: status !== 200,
      });
      response.writeHead(status, { 'content-type': 'text/xml' });
      response.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
