import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A real HTTP server on 127.0.0.1 that answers AWS SDK v3 clients with recorded response bodies from
 * test/fixtures/aws/, in AWS's own wire format (EC2 query/XML, Service Quotas JSON 1.1). The SDK signs,
 * serializes and parses exactly as it does against AWS; only the endpoint differs. Every request is kept
 * (operation + parameters) so tests can say what was asked.
 */

export const AWS_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'aws');

export interface FakeRequest {
  /** `ec2:DescribeInstances`, `servicequotas:GetServiceQuota` */
  operation: string;
  params: Record<string, string> | Record<string, unknown>;
}

/** Fixture file per operation; a function picks by the request (pagination, filters). Status 400 when the file has `__type`. */
export type Routes = Record<string, string | ((req: FakeRequest) => string)>;

export interface AwsFake {
  endpoint: string;
  requests: FakeRequest[];
  /** Environment for a child `labctl`: the fake endpoint, static dummy credentials, no profile files, no IMDS. */
  env: Record<string, string>;
  close: () => Promise<void>;
}

export async function startAwsFake(routes: Routes): Promise<AwsFake> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    let req2: FakeRequest;
    if (typeof target === 'string') {
      req2 = { operation: `servicequotas:${target.split('.').pop()}`, params: JSON.parse(body || '{}') };
    } else {
      const params = Object.fromEntries(new URLSearchParams(body));
      req2 = { operation: `ec2:${params.Action}`, params };
    }
    requests.push(req2);
    const route = routes[req2.operation];
    if (!route) {
      res.statusCode = 500;
      res.end(`no fixture for ${req2.operation}`);
      return;
    }
    const file = typeof route === 'function' ? route(req2) : route;
    const text = readFileSync(join(AWS_FIXTURES, file), 'utf8');
    const json = file.endsWith('.json');
    res.statusCode = json && text.includes('"__type"') ? 400 : 200;
    res.setHeader('content-type', json ? 'application/x-amz-json-1.1' : 'text/xml;charset=UTF-8');
    res.setHeader('x-amzn-requestid', 'fake-request-id');
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    requests,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-for-the-local-fake-only',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => resolve(data));
  });
}
