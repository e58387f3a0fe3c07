/**
 * SPEC §13: sign-ups limited per client IP; login attempts per (email, client IP) under a
 * per-email and a per-IP ceiling — each from its var — so a stranger failing on purpose
 * never locks the owner out from elsewhere. The client IP is `CF-Connecting-IP`.
 */
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { call, expectError, signUp, uniqueEmail } from './helpers';

const PASSWORD = 'correct horse battery';
const vars = env as unknown as Record<string, string | undefined>;
const overridden: string[] = [];

function setVar(name: string, value: string) {
  overridden.push(name);
  vars[name] = value;
}

afterEach(() => {
  for (const name of overridden.splice(0)) delete vars[name];
});

let ipCounter = 0;
/** A client IP no other test uses. */
function freshIp(): string {
  ipCounter += 1;
  return `203.0.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

const signupFrom = (ip: string, email = uniqueEmail('limit')) =>
  call('POST', '/auth/signup', { body: { email, password: PASSWORD }, headers: { 'CF-Connecting-IP': ip } });
const loginFrom = (ip: string, email: string, password = 'not the password') =>
  call('POST', '/auth/login', { body: { email, password }, headers: { 'CF-Connecting-IP': ip } });

async function statuses(responses: Promise<Response>[]): Promise<number[]> {
  return (await Promise.all(responses)).map((r) => r.status);
}

describe('sign-up limit (SIGNUPS_PER_HOUR)', () => {
  it('refuses the sign-up after the limit from one IP with 429 and Retry-After, and still admits another IP', async () => {
    setVar('SIGNUPS_PER_HOUR', '3');
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await signupFrom(ip)).status).toBe(201);
    const refused = await signupFrom(ip);
    const retryAfter = Number(refused.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    await expectError(refused, 429, 'rate_limited');
    expect((await signupFrom(freshIp())).status).toBe(201);
  });

  it('also slows the duplicate-email 409: once the limit is reached, a known email gets 429 like any other', async () => {
    setVar('SIGNUPS_PER_HOUR', '2');
    const victim = await signUp('victim');
    const ip = freshIp();
    await expectError(await signupFrom(ip, victim.email), 409, 'conflict');
    expect((await signupFrom(ip)).status).toBe(201);
    await expectError(await signupFrom(ip, victim.email), 429, 'rate_limited');
  });

  it('counts exactly under a parallel burst: no more than the limit get through', async () => {
    setVar('SIGNUPS_PER_HOUR', '3');
    const ip = freshIp();
    const burst = await statuses(Array.from({ length: 10 }, () => signupFrom(ip)));
    expect(burst.filter((s) => s === 201)).toHaveLength(3);
    expect(burst.filter((s) => s === 429)).toHaveLength(7);
  });

  it('counts an IPv6 client by its /64 network', async () => {
    setVar('SIGNUPS_PER_HOUR', '2');
    expect((await signupFrom('2001:db8:77:1::1')).status).toBe(201);
    expect((await signupFrom('2001:DB8:77:1:ffff:ffff:ffff:2')).status).toBe(201);
    await expectError(await signupFrom('2001:0db8:0077:0001::3'), 429, 'rate_limited');
    expect((await signupFrom('2001:db8:77:2::1')).status).toBe(201);
  });
});

describe('login limits', () => {
  it('a stranger failing on purpose from one IP is limited, and the owner still signs in from theirs', async () => {
    setVar('LOGIN_ATTEMPTS_PER_HOUR_EMAIL_IP', '3');
    setVar('LOGIN_ATTEMPTS_PER_HOUR_EMAIL', '10');
    const owner = await signUp('owner');
    const attacker = freshIp();
    const tries: number[] = [];
    // Far more than the per-email ceiling: attempts refused per (email, IP) must not fill it.
    for (let i = 0; i < 25; i++) tries.push((await loginFrom(attacker, owner.email)).status);
    expect(tries.slice(0, 3)).toEqual([401, 401, 401]);
    expect(tries.slice(3).every((s) => s === 429)).toBe(true);
    // Even the right password is refused from the attacker's place for now…
    expect((await loginFrom(attacker, owner.email, PASSWORD)).status).toBe(429);
    // …but the owner, elsewhere, is not locked out.
    expect((await loginFrom(owner.ip, owner.email, PASSWORD)).status).toBe(200);
  });

  it('stops attempts on one email spread over many IPs at the per-email ceiling', async () => {
    setVar('LOGIN_ATTEMPTS_PER_HOUR_EMAIL_IP', '3');
    setVar('LOGIN_ATTEMPTS_PER_HOUR_EMAIL', '5');
    const owner = await signUp('owner');
    for (let i = 0; i < 5; i++) await expectError(await loginFrom(freshIp(), owner.email), 401, 'unauthorized');
    await expectError(await loginFrom(freshIp(), owner.email), 429, 'rate_limited');
  });

  it('stops one IP trying many emails at the per-IP ceiling', async () => {
    setVar('LOGIN_ATTEMPTS_PER_HOUR_IP', '4');
    const ip = freshIp();
    for (let i = 0; i < 4; i++) await expectError(await loginFrom(ip, uniqueEmail('spray')), 401, 'unauthorized');
    await expectError(await loginFrom(ip, uniqueEmail('spray')), 429, 'rate_limited');
    await expectError(await loginFrom(freshIp(), uniqueEmail('spray')), 401, 'unauthorized');
  });

  it('counts a parallel burst of guesses exactly', async () => {
    setVar('LOGIN_ATTEMPTS_PER_HOUR_EMAIL_IP', '4');
    const owner = await signUp('owner');
    const ip = freshIp();
    const burst = await statuses(Array.from({ length: 12 }, () => loginFrom(ip, owner.email)));
    expect(burst.filter((s) => s === 401)).toHaveLength(4);
    expect(burst.filter((s) => s === 429)).toHaveLength(8);
  });
});
