import { describe, expect, it } from 'vitest';
import { buildServer } from './server.js';

describe('api server', () => {
  it('answers GET /healthz with status ok and the version', async () => {
    const app = await buildServer({ version: '1.2.3' });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', version: '1.2.3' });
    await app.close();
  });
});
