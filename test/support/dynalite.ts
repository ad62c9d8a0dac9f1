import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { AwsClient } from '../../src/aws/client.js';
import { type DocumentTable, DYNAMODB, dynamoDocuments } from '../../src/aws/dynamodb.js';
import { resolveSetup } from '../../src/aws/setup.js';

/** An in-memory DynamoDB on loopback that speaks the real protocol, conditional writes included. */
export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  createTable(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
  });
  return {
    endpoint,
    client,
    createTable: async (name) => {
      // The same key schema as the stack's state table.
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
      // dynalite answers CreateTable with CREATING and stores ACTIVE a timer later (even at createTableMs 0);
      // a write that comes first gets ResourceNotFoundException, which the light client, quicker than the SDK,
      // met on a loaded machine. Wait for ACTIVE, as a deploy does.
      for (;;) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (Table?.TableStatus === 'ACTIVE') return;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A proxy in front of dynalite that can lose answers: the request reaches DynamoDB and is applied, then the
 * connection drops before the answer, so the SDK sends it again (as it does on a real network fault).
 */
export interface LossyDynamo {
  readonly client: DynamoDBClient;
  /** The proxy's URL, for the light client (`lightDocumentsAt`). */
  readonly endpoint: string;
  /** The next request whose target (e.g. "UpdateItem") and body match is applied, and its answer lost. */
  loseAnswer(target: string, bodyIncludes: string): void;
  /** How many answers were lost so far. */
  readonly lost: number;
  close(): Promise<void>;
}

export async function startLossyProxy(dynamo: LocalDynamo): Promise<LossyDynamo> {
  const upstream = new URL(dynamo.endpoint);
  const losses: Array<{ target: string; bodyIncludes: string }> = [];
  let lost = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const lossAt = losses.findIndex(
        (loss) => loss.target === target && body.toString('utf8').includes(loss.bodyIncludes),
      );
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            if (lossAt >= 0) {
              losses.splice(lossAt, 1);
              lost++;
              req.socket.destroy(); // applied upstream; the caller never hears of it
              return;
            }
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
    maxAttempts: 3,
  });
  return {
    client,
    endpoint,
    get lost() {
      return lost;
    },
    loseAnswer: (target, bodyIncludes) => void losses.push({ target, bodyIncludes }),
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The interactions Lambda's light DynamoDB client, pointed at a loopback endpoint (dynalite or a proxy). */
export function lightDocumentsAt(endpoint: string, options: { maxAttempts?: number } = {}): DocumentTable {
  const env = {
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  };
  const setup = resolveSetup(env);
  return dynamoDocuments(new AwsClient(DYNAMODB, { env, setup: () => setup, ...options }));
}
