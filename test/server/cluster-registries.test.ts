// The registries a cluster (`serve --redis`) shares through Redis: applications and callbacks made
// through one process are seen by another after the change note (and after a reconnection when
// the note was missed), the counts that bound each reload hold across processes, the API
// credentials are settled once for all, and `node-otc app --redis` registers for the cluster.
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/temp-dir';
import test, { type ExecutionContext } from 'ava';
import { Applications, MAX_APPLICATIONS } from '../../lib/server/applications';
import { CallbackError, CallbackRegistry, MAX_CALLBACKS_PER_PROJECT } from '../../lib/server/callbacks/callback-registry';
import { CREDENTIALS_KEY, ClusterCredentialsError, settleCredentialsInRedis } from '../../lib/server/cluster/cluster-credentials';
import { RedisLink } from '../../lib/server/cluster/redis-link';
import { startRedis } from '../helpers/redis-server';
import { CLI } from '../helpers/serve-process';
import { until } from '../helpers/wait';

interface Cluster {
  url: string;
  /** A connection as one process of the cluster has it; closed (after what uses it) when the test ends. */
  link(): Promise<RedisLink>;
  /** Closed when the test ends, before the links. */
  closes(registry: { close(): Promise<void> }): void;
}

/** A private Redis; at the end: the registries closed, then the links, then Redis stopped. */
async function cluster(t: ExecutionContext): Promise<Cluster> {
  const redis = await startRedis();
  const registries: { close(): Promise<void> }[] = [];
  const links: RedisLink[] = [];
  t.teardown(async () => {
    await Promise.all(registries.map((r) => r.close()));
    await Promise.all(links.map((l) => l.close()));
    await redis.stop();
  });
  return {
    url: redis.url,
    link: async () => {
      const link = await RedisLink.connect(redis.url, (line) => t.log(line));
      links.push(link);
      return link;
    },
    closes: (registry) => registries.push(registry),
  };
}

async function twoApplications(t: ExecutionContext, c: Cluster): Promise<[Applications, Applications]> {
  const apps = await Promise.all([0, 1].map(async () => Applications.inRedis(await c.link(), (line) => t.log(line))));
  apps.forEach((a) => c.closes(a));
  return [apps[0]!, apps[1]!];
}

async function twoRegistries(t: ExecutionContext, c: Cluster): Promise<[CallbackRegistry, CallbackRegistry]> {
  const registries = await Promise.all([0, 1].map(async () => CallbackRegistry.inRedis(await c.link(), (line) => t.log(line))));
  registries.forEach((r) => c.closes(r));
  return [registries[0]!, registries[1]!];
}

function run(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

test('an application created through one process is seen by another, and its removal too; the private key is not stored', async (t) => {
  const c = await cluster(t);
  const [one, two] = await twoApplications(t, c);
  const app = await one.create('shared');
  t.is(one.get(app.applicationId)?.name, 'shared', 'the writer sees it once the write resolves');
  await until(t, () => two.get(app.applicationId) !== undefined, 5000, () => 'the application in the other process');
  t.is(two.publicKey(app.applicationId), app.publicKey);
  t.like(two.list(), [{ applicationId: app.applicationId, name: 'shared', signatureSecret: app.signatureSecret }]);
  const raw = await (await c.link()).commands.hGet('otc:applications', app.applicationId);
  t.false(raw?.includes('PRIVATE KEY'), 'only the public key is kept');
  await t.throwsAsync(two.add(app), { instanceOf: TypeError, message: /exists already/ });

  const [a, b] = await Promise.all([one.create('a'), two.create('b')]);
  await until(t, () => [one, two].every((x) => x.list().length === 3), 5000, () => `3 applications in each: ${one.list().length}, ${two.list().length}`);
  t.deepEqual(one.list().map((x) => x.applicationId).sort(), [app.applicationId, a.applicationId, b.applicationId].sort());

  t.true(await two.remove(app.applicationId));
  t.is(two.get(app.applicationId), undefined);
  await until(t, () => one.get(app.applicationId) === undefined, 5000, () => 'the removal in the other process');
  t.false(await one.remove(app.applicationId));
});

test('a change whose note was missed is loaded when the connection comes back', async (t) => {
  const c = await cluster(t);
  const [apps] = await twoApplications(t, c);
  const admin = await c.link();
  const callbacks = await CallbackRegistry.inRedis(await c.link(), (line) => t.log(line));
  c.closes(callbacks);
  const made = await new Applications().create('elsewhere');
  // Written behind the processes' backs: no note.
  await admin.commands.hSet('otc:applications', made.applicationId, JSON.stringify({ ...made, privateKey: undefined }));
  await admin.commands.hSet('otc:callbacks', 'cb-1', JSON.stringify({ id: 'cb-1', projectId: 'p', group: 'stream', event: 'created', url: 'http://127.0.0.1/', createdAt: 1 }));
  await admin.commands.hSet('otc:callbacks', 'junk', 'not json');
  t.is(apps.get(made.applicationId), undefined);
  await admin.commands.clientKill({ filter: 'TYPE', type: 'normal' });
  await until(t, () => apps.get(made.applicationId) !== undefined && callbacks.list('p').length === 1, 10_000,
    () => 'the entries written meanwhile');
  t.deepEqual(callbacks.urlsFor('p', 'stream', 'created'), ['http://127.0.0.1/']);
});

test('callbacks registered through one process are seen by another, per project; removals too', async (t) => {
  const c = await cluster(t);
  const [one, two] = await twoRegistries(t, c);
  const registered = await one.register('p1', { group: 'connection', event: 'created', url: 'https://hooks.example/a' });
  await until(t, () => two.list('p1').length === 1, 5000, () => 'the callback in the other process');
  t.deepEqual(two.list('p1'), [registered], 'as registered, without its project');
  t.deepEqual(two.urlsFor('p1', 'connection', 'created'), ['https://hooks.example/a']);
  t.deepEqual(two.list('p2'), [], 'another project has none');
  t.deepEqual(two.urlsFor('p2', 'connection', 'created'), []);
  t.deepEqual(await two.register('p1', { group: 'connection', event: 'created', url: 'https://hooks.example/a' }), registered,
    'the same registration again is the one there');
  t.false(await two.remove('p2', registered.id), 'not through another project');

  const other = await two.register('p2', { group: 'stream', event: 'destroyed', url: 'https://hooks.example/b' });
  await until(t, () => one.list('p2').length === 1, 5000, () => 'the second project\'s callback');
  t.deepEqual(one.list('p1'), [registered]);
  t.true(await two.remove('p1', registered.id));
  await until(t, () => one.list('p1').length === 0, 5000, () => 'the removal in the other process');
  t.deepEqual(one.list('p2'), [other]);
  t.deepEqual(one.urlsFor('p1', 'connection', 'created'), []);

  for (let i = 1; i < MAX_CALLBACKS_PER_PROJECT; i++) await one.register('p2', { group: 'stream', event: 'created', url: `https://hooks.example/${i}` });
  await t.throwsAsync(one.register('p2', { group: 'stream', event: 'created', url: 'https://hooks.example/over' }),
    { instanceOf: CallbackError, message: /at most 64/ });
  await t.throwsAsync(one.register('p2', { group: 'nope' }), { instanceOf: CallbackError });
  await until(t, () => two.list('p2').length === MAX_CALLBACKS_PER_PROJECT, 5000, () => `${two.list('p2').length} callbacks`);
});

test('the number of applications is bounded across processes: more are refused, a hash holding more is not loaded', async (t) => {
  const c = await cluster(t);
  const [apps] = await twoApplications(t, c);
  const admin = await c.link();
  const filler: Record<string, string> = {};
  for (let i = 0; i < MAX_APPLICATIONS; i++) {
    filler[`filler-${i}`] = JSON.stringify({ applicationId: `filler-${i}`, name: '', publicKey: 'x', signatureSecret: 'x', createTime: i });
  }
  // Behind the process's back: its own count says there is room, Redis's refuses.
  await admin.commands.hSet('otc:applications', filler);
  await t.throwsAsync(apps.create('one too many'), { instanceOf: TypeError, message: new RegExp(`at most ${MAX_APPLICATIONS}`) });
  t.is(await admin.commands.hLen('otc:applications'), MAX_APPLICATIONS);

  const loaded = await Applications.inRedis(await c.link(), (line) => t.log(line));
  c.closes(loaded);
  t.is(loaded.list().length, MAX_APPLICATIONS);
  await t.throwsAsync(loaded.create(), { message: new RegExp(`at most ${MAX_APPLICATIONS}`) });
  await admin.commands.hSet('otc:applications', 'extra', filler['filler-0']!);
  await t.throwsAsync(Applications.inRedis(await c.link(), () => undefined), { message: /holds 10001 entries, more than the 10000 allowed/ });
});

test('credentials: the first process settles them, the next ones adopt them with the same or none, others are refused', async (t) => {
  const c = await cluster(t);
  const link = await c.link();
  const generated = { apiKey: '47001234', apiSecret: 'g'.repeat(40) };
  const never = (): { apiKey: string; apiSecret: string } => ({ apiKey: '1', apiSecret: '2'.repeat(40) });
  t.deepEqual(await settleCredentialsInRedis(link, {}, () => generated), generated);
  const next = await c.link();
  t.deepEqual(await settleCredentialsInRedis(next, {}, never), generated);
  t.deepEqual(await settleCredentialsInRedis(next, generated, never), generated);
  t.deepEqual(await settleCredentialsInRedis(next, { apiKey: generated.apiKey }, never), generated);
  await t.throwsAsync(settleCredentialsInRedis(next, { apiKey: '47009999' }, never),
    { instanceOf: ClusterCredentialsError, message: 'the Redis cluster belongs to API key 47001234, not 47009999' });
  await t.throwsAsync(settleCredentialsInRedis(next, { apiSecret: 'h'.repeat(40) }, never),
    { instanceOf: ClusterCredentialsError, message: /belongs to API key 47001234 with another API secret/ });
  await next.commands.hDel(CREDENTIALS_KEY, 'apiSecret');
  await t.throwsAsync(settleCredentialsInRedis(next, {}, never), { instanceOf: ClusterCredentialsError, message: /lacks apiKey or apiSecret/ });
});

test('credentials: processes starting at once all get the same pair', async (t) => {
  const c = await cluster(t);
  const links = await Promise.all(Array.from({ length: 6 }, () => c.link()));
  const settled = await Promise.all(links.map((link, i) => settleCredentialsInRedis(link, {},
    () => ({ apiKey: `4700000${i}`, apiSecret: String(i).repeat(40) }))));
  t.is(new Set(settled.map((s) => `${s.apiKey}/${s.apiSecret}`)).size, 1, JSON.stringify(settled));
  t.is(settled[0]!.apiSecret, settled[0]!.apiKey.slice(-1).repeat(40), 'key and secret from the same process');
});

test('node-otc app create/list/delete --redis: registered for the whole cluster', async (t) => {
  const c = await cluster(t);
  const apps = await Applications.inRedis(await c.link(), (line) => t.log(line));
  c.closes(apps);
  const created = await run(['app', 'create', '--redis', c.url, '--name', 'cluster app']);
  t.is(created.code, 0, created.stderr);
  const applicationId = /^application id: (\S+)$/m.exec(created.stdout)?.[1];
  t.truthy(applicationId, created.stdout);
  t.regex(created.stdout, /BEGIN PRIVATE KEY/);
  await until(t, () => apps.get(applicationId!) !== undefined, 5000, () => 'the application made by the CLI');
  t.is(apps.get(applicationId!)?.name, 'cluster app');
  t.regex((await run(['app', 'list', '--redis', c.url])).stdout, new RegExp(`${applicationId!}.*"cluster app"`));
  const deleted = await run(['app', 'delete', '--redis', c.url, applicationId!]);
  t.is(deleted.code, 0, deleted.stderr);
  await until(t, () => apps.get(applicationId!) === undefined, 5000, () => 'the deletion');
  t.is((await run(['app', 'delete', '--redis', c.url, applicationId!])).code, 1);
  // The URL from a file's first line (a password then stays out of the process list).
  const file = path.join(tempDir(t), 'redis-url');
  fs.writeFileSync(file, `${c.url}\n`, { mode: 0o600 });
  t.regex((await run(['app', 'list', '--redis-url-file', file])).stdout, /^no applications$/m);
});

test('node-otc app: --data and --redis exclude each other, one is required, a bad or unreachable Redis is a one-line usage error', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const cases: [string[], RegExp][] = [
    [['app', 'list', '--data', '/tmp/x', '--redis', 'redis://127.0.0.1:1'], /^node-otc: give --data DIR or --redis URL, not both$/m],
    [['app', 'list'], /^node-otc: --data DIR or --redis URL is required$/m],
    [['app', 'list', '--redis', 'http://127.0.0.1:6379'], /^node-otc: --redis: a Redis URL starts with redis:\/\/ or rediss:\/\/, not http:\/\/$/m],
    [['app', 'list', '--redis', 'not a url'], /^node-otc: --redis: not a Redis URL: not a url$/m],
    [['app', 'list', '--redis', 'redis://127.0.0.1:1', '--redis-url-file', '/etc/hostname'], /^node-otc: --redis and --redis-url-file exclude each other$/m],
    [['app', 'list', '--redis-url-file', '/nonexistent/redis-url'], /^node-otc: cannot read --redis-url-file \/nonexistent\/redis-url: .*ENOENT.*$/m],
    [['app', 'list', '--redis-url-file', '/dev/null'], /^node-otc: --redis-url-file holds no URL on its first line$/m],
    [['app', 'create', '--redis', `redis://127.0.0.1:${port}`], new RegExp(`^node-otc: --redis: cannot reach Redis at 127\\.0\\.0\\.1:${port} within 5000 ms: .*ECONNREFUSED.*$`, 'm')],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message, args.join(' '));
    t.is(r.stderr.split('\n').filter((line) => line.startsWith('node-otc:')).length, 1, 'one line of error');
  }
});
